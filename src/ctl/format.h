/*
 * lispctl's text output: each read verb's JSON result rendered the way the matching OVS tool
 * prints it. --format=json prints the JSON itself, so both come from the same data.
 */
#ifndef LS_FORMAT_H
#define LS_FORMAT_H

#include <jansson.h>
#include <stdio.h>

#include "ctl-proto.h"

void format_output(enum ctl_verb verb, json_t *out, FILE *f);
/* dump-flows --no-stats: the flows without counters, as ovs-ofctl --no-stats prints them. */
void format_flows_no_stats(json_t *out, FILE *f);

#endif
