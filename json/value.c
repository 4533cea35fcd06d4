/* SPDX-License-Identifier: Apache-2.0 */
/* Accessors over a parsed document, json_doc_set_str, and the error texts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_impl.h"

const struct json_value *
json_doc_root(const struct json_doc *doc)
{
	return doc == NULL ? NULL : &doc->root;
}

int
json_doc_set_str(struct json_doc *doc, const struct json_value *v,
    const char *s, size_t len)
{
	struct json_value *w;

	if (doc == NULL || v == NULL || s == NULL || len > UINT32_MAX ||
	    s[len] != '\0')
		return JSON_ERR_INVAL;
	/* The doc owns its values; callers only ever see them as const. */
	w = (struct json_value *)(uintptr_t)v;
	w->type = JSON_STRING;
	w->n = (uint32_t)len;
	w->u.s = s;
	return 0;
}

enum json_type
json_value_type(const struct json_value *v)
{
	return v == NULL ? JSON_NULL : (enum json_type)v->type;
}

void
json_value_span(const struct json_value *v, size_t *offset, size_t *len)
{
	if (offset != NULL)
		*offset = v == NULL ? 0 : v->off;
	if (len != NULL)
		*len = v == NULL ? 0 : v->len;
}

int
json_value_int(const struct json_value *v, int64_t *out)
{
	if (out == NULL)
		return JSON_ERR_INVAL;
	*out = 0;
	if (v == NULL)
		return JSON_ERR_MISSING;
	if (v->type != JSON_INT)
		return JSON_ERR_TYPE;
	*out = v->u.i;
	return 0;
}

int
json_value_bool(const struct json_value *v, int *out)
{
	if (out == NULL)
		return JSON_ERR_INVAL;
	*out = 0;
	if (v == NULL)
		return JSON_ERR_MISSING;
	if (v->type != JSON_TRUE && v->type != JSON_FALSE)
		return JSON_ERR_TYPE;
	*out = v->type == JSON_TRUE;
	return 0;
}

const char *
json_value_str(const struct json_value *v, size_t *len)
{
	if (len != NULL)
		*len = 0;
	if (v == NULL || v->type != JSON_STRING)
		return NULL;
	if (len != NULL)
		*len = v->n;
	return v->u.s;
}

size_t
json_value_count(const struct json_value *v)
{
	if (v == NULL)
		return 0;
	if (v->type == JSON_ARRAY)
		return v->n;
	if (v->type == JSON_OBJECT)
		return v->n;
	return 0;
}

const struct json_value *
json_array_at(const struct json_value *arr, size_t i)
{
	if (arr == NULL || arr->type != JSON_ARRAY || i >= arr->n)
		return NULL;
	return &arr->u.v[i];
}

const struct json_value *
json_object_at(const struct json_value *obj, size_t i, const char **key,
    size_t *keylen)
{
	const struct json_member *m;

	if (key != NULL)
		*key = NULL;
	if (keylen != NULL)
		*keylen = 0;
	if (obj == NULL || obj->type != JSON_OBJECT || i >= obj->n)
		return NULL;
	m = &obj->u.m[i];
	if (key != NULL)
		*key = m->key;
	if (keylen != NULL)
		*keylen = m->keylen;
	return &m->val;
}

const struct json_value *
json_object_getn(const struct json_value *obj, const char *key, size_t keylen)
{
	const struct json_member *m;
	size_t	 lo = 0, hi, mid;
	int	 c;

	if (obj == NULL || obj->type != JSON_OBJECT || (key == NULL && keylen > 0))
		return NULL;
	hi = obj->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		m = &obj->u.m[mid];
		c = json_key_cmp(m->key, m->keylen, key, keylen);
		if (c == 0)
			return &m->val;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct json_value *
json_object_get(const struct json_value *obj, const char *key)
{
	if (key == NULL)
		return NULL;
	return json_object_getn(obj, key, strlen(key));
}

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:		return "null";
	case JSON_FALSE:
	case JSON_TRUE:		return "a boolean";
	case JSON_INT:		return "an integer";
	case JSON_STRING:	return "a string";
	case JSON_ARRAY:	return "an array";
	case JSON_OBJECT:	return "an object";
	}
	return "an unknown type";
}

const char *
json_strerror(int code)
{
	switch (code) {
	case JSON_OK:		return "success";
	case JSON_ERR_NOMEM:	return "out of memory";
	case JSON_ERR_TOO_BIG:	return "input larger than the size cap";
	case JSON_ERR_EMPTY:	return "no JSON value in the input";
	case JSON_ERR_SYNTAX:	return "JSON syntax error";
	case JSON_ERR_TRAILING:	return "bytes after the JSON value";
	case JSON_ERR_DEPTH:	return "JSON nesting deeper than the cap";
	case JSON_ERR_DUP_KEY:	return "duplicate key in a JSON object";
	case JSON_ERR_NUMBER:	return "number is not a plain integer";
	case JSON_ERR_RANGE:	return "integer outside the int64 range";
	case JSON_ERR_UTF8:	return "invalid UTF-8";
	case JSON_ERR_ESCAPE:	return "bad escape or lone surrogate in a string";
	case JSON_ERR_CTRL:	return "raw control character in a string";
	case JSON_ERR_TRUNCATED: return "input ends inside a value";
	case JSON_ERR_TOO_MANY:	return "more values than the cap";
	case JSON_ERR_TYPE:	return "JSON value has the wrong type";
	case JSON_ERR_MISSING:	return "JSON key not present";
	case JSON_ERR_INVAL:	return "invalid argument";
	default:		return "unknown JSON error";
	}
}
