/*
 * lispctl capture: asks the daemon to stream what a port receives and sends, and writes it as
 * pcap (-w FILE, "-" for standard output) with libpcap, or prints a line per packet. The file
 * is opened here, with the rights of whoever runs lispctl, never by the daemon.
 */
#ifndef LS_CTL_CAPTURE_H
#define LS_CTL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

/* Runs "capture ARGS..." against the daemon at 'sockpath'; returns the exit status. */
int ctl_capture(const char *sockpath, char **args, size_t n_args, bool json);

#endif
