#include "ctl-proto.h"

#include <string.h>

#include "util.h"

const struct ctl_verb_info ctl_verbs[CTL_N_VERBS] = {
#define CTL_VERB_INFO(id, name, min, max, flags, usage, help) \
	[CTL_VERB_##id] = { name, min, max, flags, usage, help },
	CTL_VERBS(CTL_VERB_INFO)
#undef CTL_VERB_INFO
};

/* Other names users know from ovs-appctl/ovs-ofctl. */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{ "fdb/show", "fdb-show" },
	{ "trace", "ofproto/trace" },
};

int
ctl_verb_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(aliases[i].alias, name))
			name = aliases[i].name;
	for (int i = 0; i < CTL_N_VERBS; i++)
		if (!strcmp(ctl_verbs[i].name, name))
			return i;
	return -1;
}
