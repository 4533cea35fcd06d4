/* SPDX-License-Identifier: Apache-2.0 */
/* docker trust inspect's JSON and --pretty layouts, reproduced byte for byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect_fmt.h"
#include "json.h"

static void
indent(struct json_buf *b, int level)
{
	static const char sp[] = "                                ";

	json_put_raw(b, sp, (size_t)level * 4 > sizeof(sp) - 1 ?
	    sizeof(sp) - 1 : (size_t)level * 4);
}

static void
puts_(struct json_buf *b, const char *s)
{
	json_put_raw(b, s, strlen(s));
}

/*
 * A string as Go's encoding/json writes it: `"` `\` \n \r \t escaped,
 * other controls and < > & U+2028 U+2029 as \u00XX / \u20XX, invalid UTF-8
 * as U+FFFD, everything else raw.
 */
static void
go_str(struct json_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t	i = 0, k;
	char	esc[6];

	json_put_char(b, '"');
	while (i < n) {
		unsigned c = p[i];
		if (c < 0x80) {
			if (c == '"' || c == '\\') {
				json_put_char(b, '\\');
				json_put_char(b, (char)c);
			} else if (c == '\n')
				json_put_raw(b, "\\n", 2);
			else if (c == '\r')
				json_put_raw(b, "\\r", 2);
			else if (c == '\t')
				json_put_raw(b, "\\t", 2);
			else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				json_put_raw(b, esc, 6);
			} else
				json_put_char(b, (char)c);
			i++;
			continue;
		}
		/* Multi-byte: length from the lead byte, then validate. */
		k = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 :
		    c >= 0xc2 && c <= 0xdf ? 2 : 0;
		if (c >= 0xf5)
			k = 0;
		if (k == 0 || i + k > n) {
			json_put_raw(b, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		{
			uint32_t cp = c & (k == 2 ? 0x1f : k == 3 ? 0x0f : 0x07);
			size_t j;
			int bad = 0;

			for (j = 1; j < k; j++) {
				if ((p[i + j] & 0xc0) != 0x80)
					bad = 1;
				cp = (cp << 6) | (p[i + j] & 0x3f);
			}
			if (bad || (k == 3 && cp < 0x800) ||
			    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
			    (cp >= 0xd800 && cp <= 0xdfff)) {
				json_put_raw(b, "\xef\xbf\xbd", 3);
				i++;
				continue;
			}
			if (cp == 0x2028 || cp == 0x2029)
				json_put_raw(b, cp == 0x2028 ? "\\u2028" :
				    "\\u2029", 6);
			else
				json_put_raw(b, p + i, k);
			i += k;
		}
	}
	json_put_char(b, '"');
}

static void
key_list(struct json_buf *b, const char **keys, size_t n, int level)
{
	size_t	i;

	if (n == 0) {
		puts_(b, "[]");
		return;
	}
	puts_(b, "[\n");
	for (i = 0; i < n; i++) {
		indent(b, level + 1);
		puts_(b, "{\n");
		indent(b, level + 2);
		puts_(b, "\"ID\": ");
		go_str(b, keys[i], strlen(keys[i]));
		json_put_char(b, '\n');
		indent(b, level + 1);
		puts_(b, i + 1 < n ? "},\n" : "}\n");
	}
	indent(b, level);
	json_put_char(b, ']');
}

static void
one_json(struct json_buf *b, const struct insp_repo *r)
{
	size_t	i, j;

	indent(b, 1);
	puts_(b, "{\n");
	indent(b, 2);
	puts_(b, "\"Name\": ");
	go_str(b, r->name, strlen(r->name));
	puts_(b, ",\n");
	indent(b, 2);
	puts_(b, "\"SignedTags\": ");
	if (r->ntags == 0)
		puts_(b, "[]");
	else {
		puts_(b, "[\n");
		for (i = 0; i < r->ntags; i++) {
			const struct insp_tag *t = &r->tags[i];

			indent(b, 3);
			puts_(b, "{\n");
			indent(b, 4);
			puts_(b, "\"SignedTag\": ");
			go_str(b, t->name, t->name_len);
			puts_(b, ",\n");
			indent(b, 4);
			puts_(b, "\"Digest\": ");
			go_str(b, t->digest, strlen(t->digest));
			puts_(b, ",\n");
			indent(b, 4);
			puts_(b, "\"Signers\": ");
			if (t->nsigners == 0)
				puts_(b, "[]");
			else {
				puts_(b, "[\n");
				for (j = 0; j < t->nsigners; j++) {
					indent(b, 5);
					go_str(b, t->signers[j],
					    strlen(t->signers[j]));
					puts_(b, j + 1 < t->nsigners ? ",\n" :
					    "\n");
				}
				indent(b, 4);
				json_put_char(b, ']');
			}
			json_put_char(b, '\n');
			indent(b, 3);
			puts_(b, i + 1 < r->ntags ? "},\n" : "}\n");
		}
		indent(b, 2);
		json_put_char(b, ']');
	}
	puts_(b, ",\n");
	indent(b, 2);
	puts_(b, "\"Signers\": ");
	if (r->nsigners == 0)
		puts_(b, "[]");
	else {
		puts_(b, "[\n");
		for (i = 0; i < r->nsigners; i++) {
			indent(b, 3);
			puts_(b, "{\n");
			indent(b, 4);
			puts_(b, "\"Name\": ");
			go_str(b, r->signers[i].name,
			    strlen(r->signers[i].name));
			puts_(b, ",\n");
			indent(b, 4);
			puts_(b, "\"Keys\": ");
			key_list(b, r->signers[i].keys, r->signers[i].nkeys, 4);
			json_put_char(b, '\n');
			indent(b, 3);
			puts_(b, i + 1 < r->nsigners ? "},\n" : "}\n");
		}
		indent(b, 2);
		json_put_char(b, ']');
	}
	puts_(b, ",\n");
	indent(b, 2);
	puts_(b, "\"AdministrativeKeys\": [\n");
	indent(b, 3);
	puts_(b, "{\n");
	indent(b, 4);
	puts_(b, "\"Name\": \"Root\",\n");
	indent(b, 4);
	puts_(b, "\"Keys\": ");
	key_list(b, r->root_keys, r->nroot_keys, 4);
	json_put_char(b, '\n');
	indent(b, 3);
	puts_(b, "},\n");
	indent(b, 3);
	puts_(b, "{\n");
	indent(b, 4);
	puts_(b, "\"Name\": \"Repository\",\n");
	indent(b, 4);
	puts_(b, "\"Keys\": ");
	key_list(b, r->repo_keys, r->nrepo_keys, 4);
	json_put_char(b, '\n');
	indent(b, 3);
	puts_(b, "}\n");
	indent(b, 2);
	puts_(b, "]\n");
	indent(b, 1);
	json_put_char(b, '}');
}

void
insp_write_json(struct json_buf *b, const struct insp_repo *r, size_t n)
{
	size_t	i;

	if (n == 0) {
		puts_(b, "[]\n");
		return;
	}
	puts_(b, "[\n");
	for (i = 0; i < n; i++) {
		one_json(b, &r[i]);
		puts_(b, i + 1 < n ? ",\n" : "\n");
	}
	puts_(b, "]\n");
}

/* Code points docker's table writer (go-runewidth) counts as 0 or 2 columns. */
static int
cp_width(uint32_t cp)
{
	static const uint32_t zero[][2] = {
		{ 0x0000, 0x001f }, { 0x007f, 0x009f }, { 0x00ad, 0x00ad },
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
		{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x1ab0, 0x1aff },
		{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x2028, 0x202e },
		{ 0x2060, 0x2064 }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
		{ 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff },
	};
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
		{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
		{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
		{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x3fffd },
	};
	size_t	i;

	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (cp >= zero[i][0] && cp <= zero[i][1])
			return 0;
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

/* Display width of UTF-8 text as docker's tables count it. */
static size_t
width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	i = 0, k, j, w = 0;
	uint32_t cp;

	while (i < n) {
		k = p[i] < 0x80 ? 1 : p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
		if (i + k > n)
			k = n - i;
		cp = k == 1 ? p[i] : (uint32_t)(p[i] & (0x7f >> k));
		for (j = 1; j < k; j++)
			cp = (cp << 6) | (p[i + j] & 0x3f);
		w += (size_t)cp_width(cp);
		i += k;
	}
	return w;
}

static void
pad(struct json_buf *b, size_t have, size_t cell)
{
	while (have++ < cell)
		json_put_char(b, ' ');
}

static void
joined(struct json_buf *b, const char **v, size_t n, size_t cut)
{
	size_t	i, l;

	for (i = 0; i < n; i++) {
		if (i > 0)
			puts_(b, ", ");
		l = strlen(v[i]);
		json_put_raw(b, v[i], cut && l > cut ? cut : l);
	}
}

/*
 * docker's tables go through Go's tabwriter with minwidth 10, padding 3:
 * a column is as wide as its widest cell plus 3, at least 10; the last
 * column is not padded.
 */
static int
row_cmp(const void *a, const void *b)
{
	const struct insp_tag *x = *(const struct insp_tag *const *)a;
	const struct insp_tag *y = *(const struct insp_tag *const *)b;
	size_t l = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, l);

	if (c != 0)
		return c;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return strcmp(x->digest, y->digest);
}

/*
 * Rows in (tag, digest) order: the JSON keeps docker's discovery order for
 * one tag signed with two digests, the table (observed) sorts them.
 */
void
insp_write_pretty(struct json_buf *b, const struct insp_repo *r)
{
	const struct insp_tag	**rows;
	size_t			  i, w, c1;

	if ((rows = calloc(r->ntags ? r->ntags : 1, sizeof(*rows))) == NULL) {
		b->err = JSON_ERR_NOMEM;
		return;
	}
	for (i = 0; i < r->ntags; i++)
		rows[i] = &r->tags[i];
	qsort(rows, r->ntags, sizeof(*rows), row_cmp);

	if (r->ntags == 0) {
		puts_(b, "\nNo signatures for ");
		puts_(b, r->name);
		puts_(b, "\n\n");
	} else {
		size_t c2 = strlen("DIGEST");

		puts_(b, "\nSignatures for ");
		puts_(b, r->name);
		puts_(b, "\n\n");
		c1 = strlen("SIGNED TAG");
		for (i = 0; i < r->ntags; i++) {
			w = width(r->tags[i].name, r->tags[i].name_len);
			if (w > c1)
				c1 = w;
			if (strlen(r->tags[i].digest) > c2)
				c2 = strlen(r->tags[i].digest);
		}
		c1 = c1 + 3 < 10 ? 10 : c1 + 3;
		c2 = c2 + 3 < 10 ? 10 : c2 + 3;
		puts_(b, "SIGNED TAG");
		pad(b, strlen("SIGNED TAG"), c1);
		puts_(b, "DIGEST");
		pad(b, strlen("DIGEST"), c2);
		puts_(b, "SIGNERS\n");
		for (i = 0; i < r->ntags; i++) {
			const struct insp_tag *t = rows[i];

			json_put_raw(b, t->name, t->name_len);
			pad(b, width(t->name, t->name_len), c1);
			puts_(b, t->digest);
			pad(b, strlen(t->digest), c2);
			if (t->nsigners == 1 &&
			    strcmp(t->signers[0], "Repo Admin") == 0)
				puts_(b, "(Repo Admin)");
			else
				joined(b, t->signers, t->nsigners, 0);
			json_put_char(b, '\n');
		}
	}
	if (r->nsigners > 0) {
		puts_(b, "\nList of signers and their keys for ");
		puts_(b, r->name);
		puts_(b, "\n\n");
		c1 = strlen("SIGNER");
		for (i = 0; i < r->nsigners; i++) {
			w = width(r->signers[i].name,
			    strlen(r->signers[i].name));
			if (w > c1)
				c1 = w;
		}
		c1 = c1 + 3 < 10 ? 10 : c1 + 3;
		puts_(b, "SIGNER");
		pad(b, strlen("SIGNER"), c1);
		puts_(b, "KEYS\n");
		for (i = 0; i < r->nsigners; i++) {
			puts_(b, r->signers[i].name);
			pad(b, width(r->signers[i].name,
			    strlen(r->signers[i].name)), c1);
			joined(b, r->signers[i].keys, r->signers[i].nkeys, 12);
			json_put_char(b, '\n');
		}
	}
	puts_(b, "\nAdministrative keys for ");
	puts_(b, r->name);
	puts_(b, "\n\n  Repository Key:\t");
	joined(b, r->repo_keys, r->nrepo_keys, 0);
	puts_(b, "\n  Root Key:\t");
	joined(b, r->root_keys, r->nroot_keys, 0);
	json_put_char(b, '\n');
	free(rows);
}
