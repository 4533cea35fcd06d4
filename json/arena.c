/* SPDX-License-Identifier: Apache-2.0 */
/* The document arena: a few big blocks per parse, optionally wiped, freed at once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "json_impl.h"

#define JSON_HUGE	((size_t)2 << 20)
#define JSON_MAP_MIN	((size_t)4 << 20)

/*
 * Big blocks come straight from mmap, aligned to 2 MiB and marked for
 * transparent huge pages where the kernel offers them: first touches of a
 * large document's tree are otherwise one page fault per 4 KiB, which costs
 * more than the parsing itself. Unmapped at once when the document is freed.
 */
static struct json_chunk *
chunk_map(size_t total)
{
	size_t	 maplen, head;
	uint8_t	*raw, *p;

	if (total > SIZE_MAX - 2 * JSON_HUGE)
		return NULL;
	maplen = (total + JSON_HUGE - 1) & ~(JSON_HUGE - 1);
	raw = mmap(NULL, maplen + JSON_HUGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	head = (JSON_HUGE - ((uintptr_t)raw & (JSON_HUGE - 1))) & (JSON_HUGE - 1);
	p = raw + head;
	if (head > 0)
		munmap(raw, head);
	if (JSON_HUGE - head > 0)
		munmap(p + maplen, JSON_HUGE - head);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, maplen, MADV_HUGEPAGE);	/* a hint; failure is harmless */
#endif
	((struct json_chunk *)(void *)p)->maplen = maplen;
	return (struct json_chunk *)(void *)p;
}

struct json_chunk *
json_chunk_new(struct json_doc *doc, size_t cap)
{
	struct json_chunk *c;

	if (cap > SIZE_MAX - JSON_CHUNK_HDR)
		return NULL;
	if (JSON_CHUNK_HDR + cap >= JSON_MAP_MIN)
		c = chunk_map(JSON_CHUNK_HDR + cap);
	else if ((c = malloc(JSON_CHUNK_HDR + cap)) != NULL)
		c->maplen = 0;
	if (c == NULL)
		return NULL;
	c->next = doc->chunks;
	c->cap = cap;
	c->used = 0;
	doc->chunks = c;
	return c;
}

void
json_doc_wipe(struct json_doc *doc)
{
	struct json_chunk *c;

	for (c = doc->chunks; c != NULL; c = c->next)
		explicit_bzero((char *)c + JSON_CHUNK_HDR, c->used);
	explicit_bzero(&doc->root, sizeof(doc->root));
}

void
json_doc_free(struct json_doc *doc)
{
	struct json_chunk *c, *next;

	if (doc == NULL)
		return;
	if (doc->flags & JSON_LIMIT_WIPE)
		json_doc_wipe(doc);
	for (c = doc->chunks; c != NULL; c = next) {
		next = c->next;
		if (c->maplen != 0)
			munmap(c, c->maplen);
		else
			free(c);
	}
	free(doc);
}
