/*
 * json.h - writing JSON text for machine-readable command output.
 *
 * Only what reportgen prints: strings (escaped per RFC 8259), integers and
 * null. Reading JSON is not done here.
 */
#ifndef RG_JSON_H
#define RG_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Writes s as a JSON string, or null when s is NULL. */
void rg_json_str(FILE *f, const char *s);

/* Writes v, or null when v is negative and null_if_negative is set. */
void rg_json_int(FILE *f, int64_t v, int null_if_negative);

/*
 * Members of an object: write "key":value, preceded by a comma unless *n is
 * 0; *n counts the members written so far.
 */
void rg_json_kstr(FILE *f, int *n, const char *key, const char *s);
void rg_json_kint(FILE *f, int *n, const char *key, int64_t v,
                  int null_if_negative);

#endif
