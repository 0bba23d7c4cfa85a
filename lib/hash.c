/* hash — string -> int64 map with open addressing (see hash.h). */
#include "hash.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct slot {
	char *key;      /* NULL when empty */
	size_t len;
	uint64_t hash;
	int64_t value;
};

struct crm_hash {
	struct slot *slots;
	size_t cap;     /* power of two */
	size_t count;
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
	return h;
}

void
crm_hash_free(crm_hash *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->cap; i++)
		free(h->slots[i].key);
	free(h->slots);
	free(h);
}

static struct slot *
find(const crm_hash *h, const void *key, size_t len, uint64_t hash)
{
	size_t i = (size_t)hash & (h->cap - 1);
	struct slot *s;

	for (;;) {
		s = &h->slots[i];
		if (s->key == NULL)
			return s;
		if (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0)
			return s;
		i = (i + 1) & (h->cap - 1);
	}
}

static void
grow(crm_hash *h)
{
	struct slot *old = h->slots;
	size_t oldcap = h->cap, i;
	struct slot *s;

	h->cap *= 2;
	h->slots = crm_xcalloc(h->cap, sizeof *h->slots);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = find(h, old[i].key, old[i].len, old[i].hash);
		*s = old[i];
	}
	free(old);
}

bool
crm_hash_get(const crm_hash *h, const void *key, size_t len, int64_t *value)
{
	struct slot *s = find(h, key, len, crm_fnv1a(key, len, CRM_FNV_SEED));

	if (s->key == NULL)
		return false;
	*value = s->value;
	return true;
}

static struct slot *
slot_for_write(crm_hash *h, const void *key, size_t len)
{
	uint64_t hash = crm_fnv1a(key, len, CRM_FNV_SEED);
	struct slot *s;

	if ((h->count + 1) * 10 > h->cap * 7)
		grow(h);
	s = find(h, key, len, hash);
	if (s->key == NULL) {
		s->key = crm_xstrndup(key, len);
		s->len = len;
		s->hash = hash;
		s->value = 0;
		h->count++;
	}
	return s;
}

void
crm_hash_put(crm_hash *h, const void *key, size_t len, int64_t value)
{
	slot_for_write(h, key, len)->value = value;
}

int64_t
crm_hash_add(crm_hash *h, const void *key, size_t len, int64_t delta)
{
	struct slot *s = slot_for_write(h, key, len);

	s->value += delta;
	return s->value;
}

size_t
crm_hash_count(const crm_hash *h)
{
	return h->count;
}
