/* hash — string -> int64 map with open addressing (see hash.h). */
#include "hash.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* A slot: 24 bytes. Keys live in one arena; off is their offset + 1 (0 = empty). */
struct slot {
	uint64_t hash;
	int64_t value;
	uint32_t len;
	uint32_t off_hi; /* high 32 bits of offset + 1 */
};

struct crm_hash {
	struct slot *slots;
	uint32_t *off_lo;  /* low 32 bits of offset + 1, per slot */
	size_t cap;        /* power of two */
	size_t count;
	crm_buf keys;      /* every key, back to back */
};

uint64_t
crm_fnv1a(const void *bytes, size_t len, uint64_t seed)
{
	const unsigned char *p = bytes;
	uint64_t h = seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

crm_hash *
crm_hash_new(void)
{
	crm_hash *h = crm_xcalloc(1, sizeof *h);

	h->cap = 1024;
	h->slots = crm_xcalloc(h->cap, sizeof *h->slots);
	h->off_lo = crm_xcalloc(h->cap, sizeof *h->off_lo);
	return h;
}

void
crm_hash_free(crm_hash *h)
{
	if (h == NULL)
		return;
	free(h->slots);
	free(h->off_lo);
	crm_buf_free(&h->keys);
	free(h);
}

static uint64_t
slot_off(const crm_hash *h, size_t i)
{
	return ((uint64_t)h->slots[i].off_hi << 32 | h->off_lo[i]);
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t
find(const crm_hash *h, const void *key, size_t len, uint64_t hash)
{
	size_t i = (size_t)hash & (h->cap - 1);
	uint64_t off;

	for (;;) {
		off = slot_off(h, i);
		if (off == 0)
			return i;
		if (h->slots[i].hash == hash && h->slots[i].len == len &&
		    memcmp(h->keys.data + off - 1, key, len) == 0)
			return i;
		i = (i + 1) & (h->cap - 1);
	}
}

static void
grow(crm_hash *h)
{
	struct slot *old = h->slots;
	uint32_t *old_lo = h->off_lo;
	size_t oldcap = h->cap, i, j;

	h->cap *= 2;
	h->slots = crm_xcalloc(h->cap, sizeof *h->slots);
	h->off_lo = crm_xcalloc(h->cap, sizeof *h->off_lo);
	for (i = 0; i < oldcap; i++) {
		if (old[i].off_hi == 0 && old_lo[i] == 0)
			continue;
		for (j = (size_t)old[i].hash & (h->cap - 1); slot_off(h, j) != 0;
		     j = (j + 1) & (h->cap - 1))
			;
		h->slots[j] = old[i];
		h->off_lo[j] = old_lo[i];
	}
	free(old);
	free(old_lo);
}

void
crm_hash_reserve(crm_hash *h, size_t n)
{
	size_t cap = h->cap;

	while (n * 10 > cap * 7)
		cap *= 2;
	while (h->cap < cap)
		grow(h);
}

bool
crm_hash_get(const crm_hash *h, const void *key, size_t len, int64_t *value)
{
	size_t i = find(h, key, len, crm_fnv1a(key, len, CRM_FNV_SEED));

	if (slot_off(h, i) == 0)
		return false;
	*value = h->slots[i].value;
	return true;
}

static size_t
slot_for_write(crm_hash *h, const void *key, size_t len)
{
	uint64_t hash = crm_fnv1a(key, len, CRM_FNV_SEED), off;
	size_t i;

	if (len > UINT32_MAX)
		crm_die(CRM_EX_SOFTWARE, "hash key too long");
	if ((h->count + 1) * 10 > h->cap * 7)
		grow(h);
	i = find(h, key, len, hash);
	if (slot_off(h, i) == 0) {
		off = h->keys.len + 1;
		crm_buf_append(&h->keys, key, len);
		h->slots[i].hash = hash;
		h->slots[i].len = (uint32_t)len;
		h->slots[i].value = 0;
		h->slots[i].off_hi = (uint32_t)(off >> 32);
		h->off_lo[i] = (uint32_t)off;
		h->count++;
	}
	return i;
}

void
crm_hash_put(crm_hash *h, const void *key, size_t len, int64_t value)
{
	size_t i = slot_for_write(h, key, len);  /* may move h->slots: index first */

	h->slots[i].value = value;
}

int64_t
crm_hash_add(crm_hash *h, const void *key, size_t len, int64_t delta)
{
	size_t i = slot_for_write(h, key, len);

	h->slots[i].value += delta;
	return h->slots[i].value;
}

size_t
crm_hash_count(const crm_hash *h)
{
	return h->count;
}
