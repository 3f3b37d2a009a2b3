/*
 * hmap: string-keyed open-addressing hash table with FNV-1a hashing. There
 * is no delete: import and regeneration only ever add while they work.
 */
#include "core/hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct hmap_slot *find(struct hmap_slot *slots, size_t cap,
			      const char *key, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (slots[i].key &&
	       (slots[i].hash != h || strcmp(slots[i].key, key) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

void *hmap_get(const struct hmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	return find(m->slots, m->cap, key, hash(key))->value;
}

static void grow(struct hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	/* Written before it is read: calloc's fresh pages would be mapped
	 * to the zero page by the first probe and copied on the first
	 * store, a second fault that flushes every core's TLB. */
	struct hmap_slot *slots = xmalloc(cap * sizeof(*slots));

	memset(slots, 0, cap * sizeof(*slots));

	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(slots, cap, m->slots[i].key,
			      m->slots[i].hash) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

void hmap_put(struct hmap *m, const char *key, void *value)
{
	uint64_t h = hash(key);
	struct hmap_slot *s;

	if ((m->len + 1) * 2 >= m->cap)
		grow(m);
	s = find(m->slots, m->cap, key, h);
	if (!s->key) {
		s->key = key;
		s->hash = h;
		m->len++;
	}
	s->value = value;
}

void hmap_release(struct hmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}
