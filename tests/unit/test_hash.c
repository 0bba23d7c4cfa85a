/* Unit tests for lib/hash: get/put/add, growth, binary keys, streamed look-ups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"

static void
test_put_get_many(void **state)
{
	crm_hash *h = crm_hash_new();
	char key[32];
	int64_t v;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "C%d", i);
		assert_false(crm_hash_get(h, key, strlen(key), &v));
		crm_hash_put(h, key, strlen(key), i * 3);
	}
	assert_int_equal(crm_hash_count(h), 100000);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "C%d", i);
		assert_true(crm_hash_get(h, key, strlen(key), &v));
		assert_int_equal(v, i * 3);
	}
	crm_hash_put(h, "C7", 2, -5);
	assert_true(crm_hash_get(h, "C7", 2, &v));
	assert_int_equal(v, -5);
	assert_int_equal(crm_hash_count(h), 100000);
	crm_hash_free(h);
}

static void
test_add_counts_and_binary_keys(void **state)
{
	crm_hash *h = crm_hash_new();
	const char a[] = {'x', '\0', 'y'}, b[] = {'x', '\0', 'z'};
	int64_t v;

	(void)state;
	assert_int_equal(crm_hash_add(h, a, 3, 1), 1);
	assert_int_equal(crm_hash_add(h, a, 3, 1), 2);
	assert_int_equal(crm_hash_add(h, b, 3, 1), 1);
	assert_true(crm_hash_get(h, a, 2, &v) == false);
	assert_true(crm_hash_get(h, "", 0, &v) == false);
	crm_hash_put(h, "", 0, 9);
	assert_true(crm_hash_get(h, "", 0, &v));
	assert_int_equal(v, 9);
	crm_hash_free(h);
}

/* The streamed look-up (hash given, prefetched first) finds what
 * crm_hash_get finds, before and after a reserve that rehashes at once
 * (into a table big enough for pages of its own). */
static void
test_hashed_lookups_and_reserve(void **state)
{
	crm_hash *h = crm_hash_new();
	char key[32];
	int64_t v, w;
	uint64_t hash;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "\x1f" "C%08d", i);
		crm_hash_put(h, key, strlen(key), i);
	}
	crm_hash_reserve(h, 300000);  /* from 8192 slots to 524288 in one step */
	crm_hash_reserve(h, 10);      /* never shrinks */
	assert_int_equal(crm_hash_count(h), 5000);
	for (i = 0; i < 6000; i++) {
		snprintf(key, sizeof key, "\x1f" "C%08d", i);
		hash = crm_hash_key(key, strlen(key));
		crm_hash_prefetch(h, hash);
		crm_hash_prefetch_key(h, hash);
		assert_int_equal(crm_hash_get_hashed(h, key, strlen(key), hash, &v),
		                 crm_hash_get(h, key, strlen(key), &w));
		if (i < 5000) {
			assert_true(crm_hash_get_hashed(h, key, strlen(key), hash, &v));
			assert_int_equal(v, i);
		}
	}
	/* put with the hash given is put */
	for (i = 6000; i < 7000; i++) {
		snprintf(key, sizeof key, "\x1f" "C%08d", i);
		crm_hash_put_hashed(h, key, strlen(key), crm_hash_key(key, strlen(key)), -i);
		assert_true(crm_hash_get(h, key, strlen(key), &v));
		assert_int_equal(v, -i);
	}
	assert_int_equal(crm_hash_count(h), 6000);
	/* the empty key hashes like any other */
	hash = crm_hash_key("", 0);
	assert_false(crm_hash_get_hashed(h, "", 0, hash, &v));
	crm_hash_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_many),
		cmocka_unit_test(test_add_counts_and_binary_keys),
		cmocka_unit_test(test_hashed_lookups_and_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
