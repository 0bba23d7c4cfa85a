/*
 * testutil.h — helpers shared by the cmocka unit tests (include after
 * <cmocka.h>). Static functions: each test binary gets its own copy.
 */
#ifndef CRM_TESTUTIL_H
#define CRM_TESTUTIL_H

#include <iconv.h>
#include <string.h>

#include "diag.h"

/* UTF-8 text converted to encoding enc with iconv, for encoded fixtures made
 * at test time; *outlen gets its length. Free the result. */
static char *
encode(const char *utf8, const char *enc, size_t *outlen)
{
	iconv_t cd = iconv_open(enc, "UTF-8");
	size_t inleft = strlen(utf8), cap = inleft * 4 + 16, outleft = cap;
	char *in = (char *)utf8, *out = crm_xmalloc(cap), *op = out;

	assert_true(cd != (iconv_t)-1);
	assert_int_not_equal(iconv(cd, &in, &inleft, &op, &outleft), (size_t)-1);
	iconv_close(cd);
	*outlen = cap - outleft;
	return out;
}

#endif
