/*
 * hash — an in-memory map from byte strings to 64-bit integers.
 *
 * Open addressing with linear probing over FNV-1a hashes; keys are copied
 * into one arena owned by the map. Used where a lookup per input row must not cost a query:
 * external id -> customer rowid during import, occurrence counters for
 * derived keys. Memory: 24 bytes per slot (at most 70% full, so 35-70 bytes
 * per key) plus the key bytes themselves; at most 4 GiB of keys.
 */
#ifndef CRM_HASH_H
#define CRM_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct crm_hash crm_hash;

crm_hash *crm_hash_new(void);
/* Make room for n keys at once, so filling the map never doubles it (a
 * doubling briefly holds the old and the new table). */
void crm_hash_reserve(crm_hash *h, size_t n);
void crm_hash_free(crm_hash *h);
/* Value stored under key[0..len), or false when absent. */
bool crm_hash_get(const crm_hash *h, const void *key, size_t len, int64_t *value);
/* Store value under key (replacing any earlier value). */
void crm_hash_put(crm_hash *h, const void *key, size_t len, int64_t value);
/* Add delta to the value under key (absent counts as 0); returns the new value. */
int64_t crm_hash_add(crm_hash *h, const void *key, size_t len, int64_t delta);
size_t crm_hash_count(const crm_hash *h);

/* Look-ups in a stream, with the cache misses overlapped: the hash of a
 * key (a pure function, any thread may compute it), then some look-ups
 * ahead crm_hash_prefetch(hash), a little later crm_hash_prefetch_key(hash)
 * (which reads the slot fetched by then and starts on the key's bytes), and
 * at last crm_hash_get_hashed, which is crm_hash_get with the hash given.
 * The prefetches are hints: they change no result. */
uint64_t crm_hash_key(const void *key, size_t len);
void crm_hash_prefetch(const crm_hash *h, uint64_t hash);
void crm_hash_prefetch_key(const crm_hash *h, uint64_t hash);
bool crm_hash_get_hashed(const crm_hash *h, const void *key, size_t len, uint64_t hash,
                         int64_t *value);
/* crm_hash_put with the hash given (a prefetched slot is then the one
 * written, unless the map must grow first). */
void crm_hash_put_hashed(crm_hash *h, const void *key, size_t len, uint64_t hash, int64_t value);

/* FNV-1a 64-bit hash of bytes, for derived keys too. */
uint64_t crm_fnv1a(const void *bytes, size_t len, uint64_t seed);
#define CRM_FNV_SEED 0xcbf29ce484222325ULL

#endif
