/*
 * fuzz_xls — the .xls reader (libfreexl, which needs a path) on bytes
 * written to a temporary file, opened by content as crm_wb_open_path does:
 * sheet sizes, sheet choice, every row (wb_walk.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag.h"
#include "wb_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char path[] = "/tmp/fuzz_xls.XXXXXX";
	int status = 0, fd;
	FILE *fp;
	crm_wb *wb;

	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		CHECK(devnull != NULL);
		stderr = devnull;
		crm_diag_init("fuzz_xls");
	}
	fd = mkstemp(path);
	CHECK(fd >= 0);
	fp = fdopen(fd, "wb");
	CHECK(fp != NULL);
	CHECK(fwrite(data, 1, size, fp) == size);
	CHECK(fclose(fp) == 0);
	wb = crm_wb_open_path(path, "fuzz.xls", &status);
	if (wb == NULL) {
		CHECK(status == 65);
	} else {
		walk(wb);
		crm_wb_close(wb);
	}
	unlink(path);
	return 0;
}
