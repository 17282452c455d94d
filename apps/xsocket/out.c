/*
 * out.c — output helpers of the xsocket command: a streaming JSON writer
 * (valid JSON whatever the strings contain: error messages are escaped)
 * and a text table whose columns are as wide as their widest cell.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

static void json_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The separator, indentation and "key": that precede every value. */
static void json_member(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	fprintf(j->f, "\n%*s", 2 * j->depth, "");
	if (key) {
		json_escaped(j->f, key);
		fputs(": ", j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct json *j, char c)
{
	bool empty = !j->need_comma[j->depth];

	j->depth--;
	if (!empty)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(c, j->f);
}

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	fputc('{', f);
	j->depth = 1;
	j->need_comma[1] = false;
}

void json_end(struct json *j)
{
	json_close(j, '}');
	fputc('\n', j->f);
}

void json_obj(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_arr(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_obj_end(struct json *j)
{
	json_close(j, '}');
}

void json_arr_end(struct json *j)
{
	json_close(j, ']');
}

void json_str(struct json *j, const char *key, const char *v)
{
	json_member(j, key);
	if (v)
		json_escaped(j->f, v);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, const char *key, long long v)
{
	json_member(j, key);
	fprintf(j->f, "%lld", v);
}

void json_num(struct json *j, const char *key, double v)
{
	json_member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.3f", v);
	else
		fputs("null", j->f); /* JSON has no NaN or infinity */
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void table_init(struct table *t, size_t ncols, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	if (!header)
		return;
	for (size_t c = 0; c < t->ncols; c++)
		t->cell[0][c] = strdup(header[c]);
	t->nrows = 1;
}

void table_row(struct table *t, ...)
{
	va_list ap;

	if (t->nrows == TABLE_MAX_ROWS)
		return;
	va_start(ap, t);
	for (size_t c = 0; c < t->ncols; c++)
		t->cell[t->nrows][c] = strdup(va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

static size_t table_width(const struct table *t, size_t col)
{
	size_t w = 0;

	for (size_t r = 0; r < t->nrows; r++) {
		const char *s = t->cell[r][col];
		size_t len = s ? strlen(s) : 0;

		if (len > w)
			w = len;
	}
	return w;
}

void table_print(struct table *t, FILE *f, int indent)
{
	size_t width[TABLE_MAX_COLS];

	for (size_t c = 0; c < t->ncols; c++)
		width[c] = table_width(t, c);
	for (size_t r = 0; r < t->nrows; r++) {
		fprintf(f, "%*s", indent, "");
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cell[r][c] ? t->cell[r][c] : "";

			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)width[c], s);
			free(t->cell[r][c]);
		}
	}
	t->nrows = 0;
}
