/*
 * The lisp port's options (lispctl add-port ... options:KEY=VALUE, and the saved configuration):
 * any keys and values parse or are refused with a message, never crash. Input: lines
 * "KEY=VALUE", at most 16 of them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "lisp-cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *save = NULL, err[256];
	struct kv kvs[16];
	struct lisp_cfg cfg;
	size_t n = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (line = strtok_r(text, "\n", &save); line && n < 16; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		kvs[n].key = line;
		kvs[n++].value = eq + 1;
	}
	err[0] = '\0';
	if (lisp_cfg_parse(kvs, n, &cfg, err, sizeof err) < 0 && (!err[0] || strlen(err) >= sizeof err))
		abort();
	free(text);
	return 0;
}
