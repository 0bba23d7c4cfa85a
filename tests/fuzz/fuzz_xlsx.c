/*
 * fuzz_xlsx — the .xlsx reader (libzip + expat) on bytes held in memory
 * (zip_source_buffer): opening, sheet sizes, sheet choice by default, name
 * and number, every row (wb_walk.h). Either the open fails with 65 or every
 * row keeps the reader's promises.
 */
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "wb_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	int status = 0;
	crm_wb *wb;

	if (devnull == NULL) {
		/* Library warnings go to the stdio stderr; fd 2 stays for the sanitizers. */
		devnull = fopen("/dev/null", "w");
		CHECK(devnull != NULL);
		stderr = devnull;
		crm_diag_init("fuzz_xlsx");
	}
	wb = crm_wb_open_memory(data, size, "fuzz.xlsx", &status);
	if (wb == NULL) {
		CHECK(status == 65);
		return 0;
	}
	walk(wb);
	crm_wb_close(wb);
	return 0;
}
