/*
 * test_store.c - snapshots: written under a temporary name, sealed read-only,
 * never overwritten, and described by rg_store_info().
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "t.h"

static char dir[] = "/tmp/rg-test-store-XXXXXX";

static int
exists(const char *p)
{
    return access(p, F_OK) == 0;
}

/* Files in dir; with unlink_all, removes them instead of counting. */
static int
files_in_dir(int unlink_all)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[512];
    int n = 0;

    if (!d)
        return -1;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (unlink_all)
            unlink(p);
    }
    closedir(d);
    return n;
}

static int
count_files(void)
{
    return files_in_dir(0);
}

static int
write_user(struct rg_row_sink *s, int64_t src, int64_t pk, const char *id)
{
    static const char *const pcols[] = { "pk",           "id",        "type",
                                         "display_name", "source_id", "line" };
    struct rg_err err;
    struct rg_table_writer *w;
    struct rg_value v[6];
    int r;

    v[0] = rg_int(pk);
    v[1] = rg_text(id, strlen(id));
    v[2] = rg_text("user", 4);
    v[3] = rg_text("\xc3\x85se", 4);
    v[4] = rg_int(src);
    v[5] = rg_int(pk + 1);
    rg_err_init(&err);
    if (!(w = s->table(s->ctx, "principals", pcols, 6, &err)))
        return -1;
    r = s->row(w, v, &err);
    s->table_free(w);
    return r;
}

static const struct rg_snapshot_meta meta = { "tid", "Nordhavn",
                                              "2026-11-01T00:00:00Z",
                                              "2026-11-02T00:00:00Z" };

static void
test_roundtrip(void)
{
    char path[256];
    struct rg_err err;
    struct rg_store *st;
    struct rg_row_sink sink;
    struct rg_source_stats ss = { "ab", 10, 1, -1, 0 };
    struct rg_snapshot_info info;
    struct stat sb;
    int64_t src;

    snprintf(path, sizeof(path), "%s/s.db", dir);
    rg_err_init(&err);
    st = rg_store_create(path, 0, "2026-11-02T00:00:00Z", &err);
    T_CHECK(st != NULL);
    if (!st)
        return;
    T_CHECK(!exists(path)); /* only the temporary name so far */
    T_CHECK(exists(rg_store_temp_path(st)));
    rg_store_sink(st, &sink);
    src = sink.source_begin(sink.ctx, "csv", "users", "in/users.csv", &err);
    T_CHECK(src == 1);
    T_CHECK(write_user(&sink, src, 1, "u1") == 0);
    T_CHECK(sink.source_end(sink.ctx, src, &ss, &err) == 0);
    T_CHECK(rg_store_seal(st, &meta, &err) == 0);
    rg_store_close(st);
    T_CHECK(exists(path));
    T_CHECK(count_files() == 1); /* no temporary file left */
    T_CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0444);

    st = rg_store_open(path, &err);
    T_CHECK(st != NULL);
    if (!st)
        return;
    T_CHECK(rg_store_info(st, &info, &err) == 0);
    T_STREQ(info.tenant_name, "Nordhavn");
    T_STREQ(info.as_of, "2026-11-01T00:00:00Z");
    T_CHECK(info.schema_version == RG_SCHEMA_VERSION);
    T_CHECK(info.nsources == 1);
    if (info.nsources == 1) {
        T_STREQ(info.sources[0].locator, "in/users.csv");
        T_STREQ(info.sources[0].sha256, "ab");
        T_CHECK(info.sources[0].rows == 1 && info.sources[0].expected == -1);
    }
    T_CHECK(strlen(info.sha256) == 64);
    rg_snapshot_info_release(&info);
    rg_store_close(st);

    /* never overwritten without force */
    rg_err_init(&err);
    T_CHECK(rg_store_create(path, 0, "2026-11-02T00:00:00Z", &err) == NULL);
    T_CHECK(err.code == RG_ERR_EXISTS);
    T_CHECK(strstr(err.msg, "already exists") != NULL);
}

static void
test_abandoned(void)
{
    char path[256];
    struct rg_err err;
    struct rg_store *st;
    struct rg_row_sink sink;
    int before = count_files();

    snprintf(path, sizeof(path), "%s/abandoned.db", dir);
    rg_err_init(&err);
    st = rg_store_create(path, 0, "2026-11-02T00:00:00Z", &err);
    T_CHECK(st != NULL);
    rg_store_sink(st, &sink);
    T_CHECK(write_user(&sink, 1, 1, "u1") == 0);
    rg_store_close(st); /* not sealed */
    T_CHECK(!exists(path));
    T_CHECK(count_files() == before);
}

static void
test_duplicate_edge(void)
{
    static const char *const cols[] = { "group_pk", "member_pk", "source_id",
                                        "line" };
    char path[256];
    struct rg_err err;
    struct rg_store *st;
    struct rg_row_sink sink;
    struct rg_table_writer *w;
    int64_t src;

    snprintf(path, sizeof(path), "%s/dup.db", dir);
    rg_err_init(&err);
    st = rg_store_create(path, 0, "2026-11-02T00:00:00Z", &err);
    rg_store_sink(st, &sink);
    src = sink.source_begin(sink.ctx, "csv", "group_members", "m.csv", &err);
    w = sink.table(sink.ctx, "group_members", cols, 4, &err);
    for (int i = 0; i < 4; i++) {
        struct rg_value v[4];

        v[0] = rg_int(7);
        v[1] = rg_int(i == 3 ? 8 : 8 + i);
        v[2] = rg_int(src);
        v[3] = rg_int(2 + i);

        T_CHECK(sink.row(w, v, &err) == 0);
    }
    sink.table_free(w);
    T_CHECK(rg_store_seal(st, &meta, &err) < 0);
    T_STREQ(err.msg, "cannot load 'm.csv' line 5: duplicate membership: the "
                     "same group and member as line 2");
    rg_store_close(st);
    T_CHECK(!exists(path));
}

static void
test_not_a_snapshot(void)
{
    char path[256];
    struct rg_err err;
    FILE *f;

    snprintf(path, sizeof(path), "%s/not.db", dir);
    f = fopen(path, "w");
    fputs("id,name\n", f);
    fclose(f);
    rg_err_init(&err);
    T_CHECK(rg_store_open(path, &err) == NULL);
    T_CHECK(strstr(err.msg, "is not a reportgen snapshot") != NULL);
    unlink(path);

    rg_err_init(&err);
    T_CHECK(rg_store_open("/nonexistent/x.db", &err) == NULL);
    T_STREQ(err.msg,
            "cannot open '/nonexistent/x.db': No such file or directory");
}

int
main(void)
{
    int ret;

    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_roundtrip();
    test_abandoned();
    test_duplicate_edge();
    test_not_a_snapshot();
    ret = T_REPORT();
    files_in_dir(1);
    rmdir(dir);
    return ret;
}
