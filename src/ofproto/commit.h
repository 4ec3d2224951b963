/*
 * Making a packet's bytes agree with its flow key. Actions (set_field, load, move, mod_*, VLAN
 * push/pop) change only the key while they run; before the packet is output, pkt_commit()
 * rewrites the headers whose fields differ between the key the bytes show ('old') and the key
 * the actions produced ('new'), and fixes the checksums that cover them. One place maps fields
 * to bytes, however many ways there are to change a field.
 */
#ifndef LS_COMMIT_H
#define LS_COMMIT_H

#include <stdbool.h>

struct flow;
struct pkt;

/*
 * Rewrites 'pkt' from 'old' to 'new'. Returns false, leaving it unchanged, for what cannot be
 * done: changing IP or transport fields of a packet still to be segmented (GSO).
 */
bool pkt_commit(struct pkt *pkt, const struct flow *old, const struct flow *new);

#endif
