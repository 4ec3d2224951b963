/* The configuration file loader on any file contents: loads or refuses, never crashes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/lispswitch-fuzz-config-XXXXXX";
	static int fd = -1;
	char err[512];
	struct cfg cfg;

	if (fd < 0 && (fd = mkstemp(path)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (cfg_load(&cfg, path, err, sizeof err) == 0)
		cfg_free(&cfg);
	return 0;
}
