/*
 * fuzz_config — crm_config_load on the input written to a temporary file,
 * then the checks and look-ups the tools make on a loaded configuration.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "mapping.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_config: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
setup(void)
{
	char *dir = getenv("TMPDIR");
	FILE *devnull;
	int fd;

	if (path[0] != '\0')
		return;
	snprintf(path, sizeof path, "%s/fuzz_config.XXXXXX",
	         dir && strlen(dir) < 40 ? dir : "/tmp");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	/* Library warnings go to the stdio stderr; fd 2 stays for the sanitizers. */
	devnull = fopen("/dev/null", "w");
	CHECK(devnull != NULL);
	stderr = devnull;
}

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const headers[] = { "id", "name", "email", "phone", "amount" };
	struct crm_config *cfg = (struct crm_config *)1;
	struct crm_mapping *m;
	FILE *f;
	int rc;

	if (path[0] == '\0') {
		setup();
		atexit(cleanup);
	}
	f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(data, 1, size, f) == size);
	CHECK(fclose(f) == 0);
	rc = crm_config_load(path, &cfg);
	if (rc != 0) {
		CHECK(rc == CRM_EX_CONFIG);
		CHECK(cfg == NULL);
		return 0;
	}
	CHECK(cfg != NULL);
	CHECK(strlen(cfg->currency) == 3);
	CHECK(crm_config_rate(cfg, cfg->currency) == 1000000);
	(void)crm_config_rate(cfg, "usd");
	(void)crm_config_rate(cfg, "");
	if (crm_mapping_check_config(cfg) == 0) {
		m = crm_mapping_new(headers, 5, CRM_KIND_NONE, cfg, "fuzz.csv");
		crm_mapping_free(m);
	}
	crm_config_free(cfg);
	return 0;
}
