/* hash — string -> int64 map with open addressing (see hash.h). */
#include "hash.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* A slot: 24 bytes, one cache line touched per probe. hash 0 marks an empty
 * slot (a key whose hash is 0 is stored as 1). Keys live in one arena. */
struct slot {
	uint64_t hash;
	int64_t value;
	uint32_t off;   /* offset of the key in keys */
	uint32_t len;
};

struct crm_hash {
	struct slot *slots;
	size_t slot_bytes; /* of a crm_big_calloc'd table, 0 for a small one */
	size_t cap;        /* power of two */
	size_t count;
	crm_buf keys;      /* every key, back to back (at most 4 GiB) */
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

/* A table of cap empty slots. A big one (the id map of a big store) gets
 * pages of its own with huge pages asked for: filling it then takes a page
 * fault per 2 MiB instead of per 4 KiB. */
static struct slot *
new_slots(size_t cap, size_t *bytes)
{
	if (cap >= (4u << 20) / sizeof(struct slot))
		return crm_big_calloc(cap, sizeof(struct slot), bytes);
	*bytes = 0;
	return crm_xcalloc(cap, sizeof(struct slot));
}

static void
free_slots(struct slot *slots, size_t bytes)
{
	if (bytes)
		crm_big_free(slots, bytes);
	else
		free(slots);
}

crm_hash *
crm_hash_new(void)
{
	crm_hash *h = crm_xcalloc(1, sizeof *h);

	h->cap = 1024;
	h->slots = new_slots(h->cap, &h->slot_bytes);
	return h;
}

void
crm_hash_free(crm_hash *h)
{
	if (h == NULL)
		return;
	free_slots(h->slots, h->slot_bytes);
	crm_buf_free(&h->keys);
	free(h);
}

/* The stored hash of a key: never 0, which marks an empty slot. */
static uint64_t
key_hash(const void *key, size_t len)
{
	uint64_t h = crm_fnv1a(key, len, CRM_FNV_SEED);

	return h ? h : 1;
}

/* The slot a hash starts probing at. FNV-1a's low bits barely change
 * between keys that differ only at the end ("C00000001", "C00000002"), so
 * the bits are mixed first (MurmurHash3's finaliser); otherwise such ids
 * cluster and every probe walks a long run. */
static size_t
home(const crm_hash *h, uint64_t hash)
{
	hash ^= hash >> 33;
	hash *= 0xff51afd7ed558ccdULL;
	hash ^= hash >> 33;
	return (size_t)hash & (h->cap - 1);
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t
find(const crm_hash *h, const void *key, size_t len, uint64_t hash)
{
	size_t i = home(h, hash);
	const struct slot *sl;

	for (;;) {
		sl = &h->slots[i];
		if (sl->hash == 0)
			return i;
		if (sl->hash == hash && sl->len == len &&
		    memcmp(h->keys.data + sl->off, key, len) == 0)
			return i;
		i = (i + 1) & (h->cap - 1);
	}
}

/* Move every key into a table of cap slots (a power of two). */
static void
rehash(crm_hash *h, size_t cap)
{
	struct slot *old = h->slots;
	size_t oldcap = h->cap, oldbytes = h->slot_bytes, i, j;

	h->cap = cap;
	h->slots = new_slots(h->cap, &h->slot_bytes);
	for (i = 0; i < oldcap; i++) {
		if (old[i].hash == 0)
			continue;
		for (j = home(h, old[i].hash); h->slots[j].hash != 0; j = (j + 1) & (h->cap - 1))
			;
		h->slots[j] = old[i];
	}
	free_slots(old, oldbytes);
}

static void
grow(crm_hash *h)
{
	rehash(h, h->cap * 2);
}

void
crm_hash_reserve(crm_hash *h, size_t n)
{
	size_t cap = h->cap;

	while (n * 10 > cap * 7)
		cap *= 2;
	if (cap > h->cap)
		rehash(h, cap);  /* once, not once per doubling */
}

uint64_t
crm_hash_key(const void *key, size_t len)
{
	return key_hash(key, len);
}

void
crm_hash_prefetch(const crm_hash *h, uint64_t hash)
{
	__builtin_prefetch(&h->slots[home(h, hash)]);
}

void
crm_hash_prefetch_key(const crm_hash *h, uint64_t hash)
{
	const struct slot *sl = &h->slots[home(h, hash)];

	if (sl->hash == hash)
		__builtin_prefetch(h->keys.data + sl->off);
}

bool
crm_hash_get_hashed(const crm_hash *h, const void *key, size_t len, uint64_t hash,
                    int64_t *value)
{
	size_t i = find(h, key, len, hash);

	if (h->slots[i].hash == 0)
		return false;
	*value = h->slots[i].value;
	return true;
}

bool
crm_hash_get(const crm_hash *h, const void *key, size_t len, int64_t *value)
{
	return crm_hash_get_hashed(h, key, len, key_hash(key, len), value);
}

static size_t
slot_for_write(crm_hash *h, const void *key, size_t len, uint64_t hash)
{
	size_t i;

	if ((h->count + 1) * 10 > h->cap * 7)
		grow(h);
	i = find(h, key, len, hash);
	if (h->slots[i].hash == 0) {
		if (len > UINT32_MAX || h->keys.len > UINT32_MAX - len)
			crm_die(CRM_EX_SOFTWARE, "too many keys for one map (4 GiB)");
		h->slots[i].off = (uint32_t)h->keys.len;
		crm_buf_append(&h->keys, key, len);
		h->slots[i].hash = hash;
		h->slots[i].len = (uint32_t)len;
		h->slots[i].value = 0;
		h->count++;
	}
	return i;
}

void
crm_hash_put(crm_hash *h, const void *key, size_t len, int64_t value)
{
	crm_hash_put_hashed(h, key, len, key_hash(key, len), value);
}

void
crm_hash_put_hashed(crm_hash *h, const void *key, size_t len, uint64_t hash, int64_t value)
{
	size_t i = slot_for_write(h, key, len, hash);  /* may move h->slots: index first */

	h->slots[i].value = value;
}

int64_t
crm_hash_add(crm_hash *h, const void *key, size_t len, int64_t delta)
{
	size_t i = slot_for_write(h, key, len, key_hash(key, len));

	h->slots[i].value += delta;
	return h->slots[i].value;
}

size_t
crm_hash_count(const crm_hash *h)
{
	return h->count;
}
