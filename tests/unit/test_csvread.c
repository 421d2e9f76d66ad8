/*
 * test_csvread.c - the CSV reader: quoting, line numbers, preambles, and the
 * exact error for each malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include "collect/csvread.h"
#include "t.h"

/* Records seen, as "line:field|field|..." joined by newlines. */
struct seen {
    char text[4096];
    size_t len;
    int fail_at; /* make the callback fail at this record number */
    int n;
};

static int
collect(void *ctx, const struct rg_csv_record *rec, struct rg_err *err)
{
    struct seen *s = ctx;

    if (++s->n == s->fail_at)
        return rg_csv_fail(rec, 1, err, "callback said no");
    s->len +=
        (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len,
                         "%s%lld:", s->len ? "\n" : "", (long long)rec->line);
    for (size_t i = 0; i < rec->n; i++)
        s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len,
                                   "%s%s", i ? "|" : "", rec->f[i].s);
    return 0;
}

/* Reads data; returns the records seen, or "ERROR <message>". */
static const char *
read_csv(const char *data, size_t len)
{
    static struct seen s;
    static char out[4200];
    struct rg_csv_stats st;
    struct rg_err err;

    memset(&s, 0, sizeof(s));
    rg_err_init(&err);
    if (rg_csv_read_mem("t.csv", data, len, collect, &s, &st, &err) < 0) {
        snprintf(out, sizeof(out), "ERROR %s", err.msg);
        return out;
    }
    return s.text;
}

#define READ(lit) read_csv(lit, sizeof(lit) - 1)

static void
test_good(void)
{
    T_STREQ(READ("a,b\n1,2\n3,4\n"), "1:a|b\n2:1|2\n3:3|4");
    T_STREQ(READ("a,b\r\n1,2\r\n"), "1:a|b\n2:1|2");
    T_STREQ(READ("a,b\n1,2"), "1:a|b\n2:1|2"); /* no final line end */
    T_STREQ(READ("\xef\xbb\xbf"
                 "a,b\n1,2\n"),
            "1:a|b\n2:1|2");
    T_STREQ(
        READ("#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n"
             "\"a\",\"b\"\r\n\"1\",\"2\"\r\n"),
        "2:a|b\n3:1|2");
    T_STREQ(READ("\xef\xbb\xbf#TYPE X\na,b\n1,2\n"), "2:a|b\n3:1|2");
    /* quoted commas, quotes and line breaks; lines stay physical */
    T_STREQ(READ("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n5,6\n"),
            "1:a|b\n2:x,y|say \"hi\"\n3:two\nlines|z\n5:5|6");
    T_STREQ(READ("a,b\r\n\"two\r\nlines\",z\r\n5,6\r\n"),
            "1:a|b\n2:two\r\nlines|z\n4:5|6");
    /* blank lines are skipped but counted */
    T_STREQ(READ("a,b\n\n1,2\n\r\n\n3,4\n\n"), "1:a|b\n3:1|2\n6:3|4");
    /* empty fields, spaces around unquoted fields */
    T_STREQ(READ("a,b,c\n,,\n x , y ,z\n"), "1:a|b|c\n2:||\n3:x|y|z");
    T_STREQ(READ("a\nS\xc3\xb8"
                 "ren \xc3\x86"
                 "r\xc3\xb8\n"),
            "1:a\n2:S\xc3\xb8"
            "ren \xc3\x86"
            "r\xc3\xb8");
    T_STREQ(READ("a,b\n"), "1:a|b");
}

static void
test_bad(void)
{
    T_STREQ(READ(""),
            "ERROR cannot load 't.csv': no header line (the file is empty)");
    T_STREQ(READ("\n\n"),
            "ERROR cannot load 't.csv': no header line (the file is empty)");
    T_STREQ(
        READ("a,b\n1,2\n\"3,4\n5,6\n"),
        "ERROR cannot load 't.csv' line 3, column 1 (a): unterminated quote");
    T_STREQ(
        READ("a,b\n1,\"2\n"),
        "ERROR cannot load 't.csv' line 2, column 2 (b): unterminated quote");
    T_STREQ(READ("a,b\n1,\"2\"x\n"),
            "ERROR cannot load 't.csv' line 2, column 2 (b): unexpected "
            "character after a closing quote (a quote inside a quoted field "
            "is written \"\")");
    T_STREQ(READ("a,b\n1,2\n1,2,3\n"),
            "ERROR cannot load 't.csv' line 3: expected 2 fields as in the "
            "header, found 3");
    T_STREQ(READ("a,b\n1\n"),
            "ERROR cannot load 't.csv' line 2: expected 2 fields as in the "
            "header, found 1");
    T_STREQ(READ("a,b\n1,S\xf8"
                 "ren\n"),
            "ERROR cannot load 't.csv' line 2, column 2 (b): invalid UTF-8 at "
            "byte 2 of the field");
    T_STREQ(READ("a,b\n1,x\0y\n"),
            "ERROR cannot load 't.csv' line 2, column 2 (b): invalid UTF-8 at "
            "byte 2 of the field");
    /* found by fuzz_csvread, 2026-11-26: a bad field past the header's
       columns read the header out of bounds */
    T_STREQ(READ("a\n1,\x01\xff\n"),
            "ERROR cannot load 't.csv' line 2: expected 1 field as in the "
            "header, found 2");
    T_STREQ(READ("a,\xff\n"),
            "ERROR cannot load 't.csv' line 1, column 2: invalid UTF-8 at byte "
            "1 of the field");
}

/* found in review, 2026-11-26: lone CRs and lines of spaces */
static void
test_line_ends(void)
{
    T_STREQ(READ("a,b\r1,2\n"),
            "ERROR cannot load 't.csv' line 1: a carriage return without a "
            "line feed ends a line (an old Mac text file?); save it with CRLF "
            "or LF line ends");
    T_STREQ(READ("a\n1\r\"x\n\n\n\"\n"),
            "ERROR cannot load 't.csv' line 2: a carriage return without a "
            "line feed ends a line (an old Mac text file?); save it with CRLF "
            "or LF line ends");
    /* a CR inside quotes is data */
    T_STREQ(READ("a\n\"x\ry\"\n"), "1:a\n2:x\ry");
    /* lines of spaces are skipped, and counted */
    T_STREQ(READ("a,b\n  \n\t\n1,2\nx\n"),
            "ERROR cannot load 't.csv' line 5: expected 2 fields as in the "
            "header, found 1");
    T_STREQ(READ("a,b\n  \n\t\n1,2\n"), "1:a|b\n4:1|2");
}

/* The same records and errors whatever the buffer size. */
static void
test_chunks(void)
{
    static const char *const inputs[] = {
        "a,b\r\n1,2\r\n\"x\r\ny\",z\r\n\r\n3,4\r\n",
        "a,b\r\n1,2\r3,4\r\n",
        "\xef\xbb\xbf#TYPE T\r\na\r\n  \r\n\"q\"\"\"\r\n",
        "a\n\"open\n\n",
    };

    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        char whole[4200];

        snprintf(whole, sizeof(whole), "%s",
                 read_csv(inputs[i], strlen(inputs[i])));
        for (size_t c = 8; c < 20; c++) {
            rg_csv_mem_chunk = c;
            T_STREQ(read_csv(inputs[i], strlen(inputs[i])), whole);
        }
        rg_csv_mem_chunk = 1u << 20;
    }
}

static void
test_limits(void)
{
    size_t big = RG_CSV_MAX_RECORD + 100;
    char *data = malloc(big + 16);
    const char *r;

    /* an unterminated quote must not swallow the rest of a big file */
    memcpy(data, "a\n\"", 3);
    memset(data + 3, 'x', big);
    r = read_csv(data, big + 3);
    T_STREQ(r, "ERROR cannot load 't.csv' line 2, column 1 (a): record longer "
               "than 1 MiB (an unterminated quote?)");
    free(data);

    /* too many fields */
    data = malloc(2 * (RG_CSV_MAX_FIELDS + 1) + 1);
    for (size_t i = 0; i <= RG_CSV_MAX_FIELDS; i++) {
        data[2 * i] = 'h';
        data[2 * i + 1] = i == RG_CSV_MAX_FIELDS ? '\n' : ',';
    }
    r = read_csv(data, 2 * (RG_CSV_MAX_FIELDS + 1));
    T_CHECK(strstr(r, "too many fields") != NULL);
    free(data);
}

/* Both ways of splitting lines must agree (the fast path and libcsv). */
static void
test_fast_path(void)
{
    static const char *const inputs[] = {
        "a,b\n 1 ,\t2\t\n,\n3,4",
        "a,b\n1,\"x\ny\"\n2,3\n",
        /* found by fuzz_csvfast, 2026-11-26: a CR ends a record inside a
           line, and the next record opened a quote before the line ended */
        "ObjeI ,Ddtcy N,\x04"
        "es\r\x1a"
        "00-restad,\"multi\r\nuotet\r\n",
        "a\n   \n\t\n1\n",
    };

    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        char fast[4200];

        rg_csv_fast_path = 1;
        snprintf(fast, sizeof(fast), "%s",
                 read_csv(inputs[i], strlen(inputs[i])));
        rg_csv_fast_path = 0;
        T_STREQ(read_csv(inputs[i], strlen(inputs[i])), fast);
        rg_csv_fast_path = 1;
    }
}

static void
test_callback_failure(void)
{
    struct seen s;
    struct rg_csv_stats st;
    struct rg_err err;
    const char data[] = "a,b\n1,2\n3,4\n";

    memset(&s, 0, sizeof(s));
    s.fail_at = 3;
    rg_err_init(&err);
    T_CHECK(rg_csv_read_mem("t.csv", data, sizeof(data) - 1, collect, &s, &st,
                            &err) < 0);
    T_STREQ(err.msg,
            "cannot load 't.csv' line 3, column 2 (b): callback said no");
    T_CHECK(s.n == 3);
}

static void
test_stats(void)
{
    struct seen s;
    struct rg_csv_stats st;
    struct rg_err err;
    const char data[] = "a,b\n1,2\n3,4\n";

    memset(&s, 0, sizeof(s));
    rg_err_init(&err);
    T_CHECK(rg_csv_read_mem("t.csv", data, sizeof(data) - 1, collect, &s, &st,
                            &err) == 0);
    T_CHECK(st.records == 2);
    T_CHECK(st.bytes == sizeof(data) - 1);
    /* printf 'a,b\n1,2\n3,4\n' | sha256sum */
    T_STREQ(st.sha256,
            "b9485148546419a0f6a85e8d708c923557c15d7f3c7d078ef1fa7f7c0f57d5a5");
}

int
main(void)
{
    test_good();
    test_bad();
    test_line_ends();
    test_chunks();
    test_limits();
    test_fast_path();
    test_callback_failure();
    test_stats();
    return T_REPORT();
}
