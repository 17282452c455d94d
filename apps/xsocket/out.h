/*
 * out.h — the two output forms of every subcommand: a small streaming JSON
 * writer for --json, and an aligned text table for people.
 */
#ifndef XSOCKET_OUT_H
#define XSOCKET_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

/* key is the member name inside an object, NULL inside an array. */
struct json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json_begin(struct json *j, FILE *f); /* opens the top-level object */
void json_end(struct json *j);            /* closes it */
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v); /* v NULL: null */
void json_int(struct json *j, const char *key, long long v);
void json_num(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);

#define TABLE_MAX_COLS 6
#define TABLE_MAX_ROWS 32

struct table {
	size_t ncols, nrows;
	char *cell[TABLE_MAX_ROWS][TABLE_MAX_COLS];
};

/* header: ncols column titles, or NULL for none. */
void table_init(struct table *t, size_t ncols, const char *const *header);
/* Appends a row of ncols strings (copied); rows past the limit are dropped. */
void table_row(struct table *t, ...);
/* Prints the table indented by indent spaces, then frees its cells. */
void table_print(struct table *t, FILE *f, int indent);

#endif
