/*
 * hmap: a string-keyed hash table (open addressing, linear probing) for the
 * bulk work of import and regeneration, where a lookup per row must cost
 * next to nothing. Keys are borrowed, not copied: they must outlive the map.
 */
#ifndef TEMPASS_HMAP_H
#define TEMPASS_HMAP_H

#include <stddef.h>

struct hmap_slot {
	const char *key;
	void *value;
	unsigned long long hash;   /* compared before the key */
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap;    /* a power of two */
	size_t len;
};
#define HMAP_INIT { NULL, 0, 0 }

/* The value stored under key, or NULL. */
void *hmap_get(const struct hmap *m, const char *key);
/* Stores value under key, replacing any value there. */
void hmap_put(struct hmap *m, const char *key, void *value);
/* Frees the table (not the keys or values); leaves m empty. */
void hmap_release(struct hmap *m);

#endif
