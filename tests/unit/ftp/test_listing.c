/* tests/unit/ftp/test_listing.c - LIST lines (ls -l columns, the six-month
 * date rule, set-id bits, symlinks), MLSx facts per RFC 3659 (type, size,
 * modify, perm by right, unix.mode, fact selection) and the time format. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "ftp/cmd.h"
#include "ftp/listing.h"

#define T_2021	1614834367	/* 2021-03-04 05:06:07 UTC */

static struct stat
mkstat(mode_t mode, off_t size, time_t mtime, nlink_t links)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_size = size;
	st.st_mtime = mtime;
	st.st_nlink = links;
	st.st_uid = 1234;	/* never shown */
	return st;
}

static void
test_list_line(void **state)
{
	char buf[FTP_LIST_LINE_MAX];
	struct stat st = mkstat(S_IFREG | 0644, 13, T_2021, 1);
	(void)state;

	/* Recent: time of day. */
	assert_true(ftp_list_line("hello.txt", &st, NULL, T_2021 + 3600, buf,
	    sizeof(buf)) > 0);
	assert_string_equal(buf, "-rw-r--r--   1 ftp      ftp      "
	    "          13 Mar  4 05:06 hello.txt\r\n");
	/* Older than six months, or in the future: the year. */
	assert_true(ftp_list_line("hello.txt", &st, NULL, T_2021 + 200 * 86400,
	    buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " Mar  4  2021 hello.txt\r\n"));
	assert_true(ftp_list_line("hello.txt", &st, NULL, T_2021 - 60, buf,
	    sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " Mar  4  2021 hello.txt\r\n"));

	st = mkstat(S_IFDIR | 0755, 4096, T_2021, 3);
	assert_true(ftp_list_line("sub dir", &st, NULL, T_2021, buf,
	    sizeof(buf)) > 0);
	assert_memory_equal(buf, "drwxr-xr-x   3 ftp", 18);
	assert_non_null(strstr(buf, " sub dir\r\n"));

	st = mkstat(S_IFREG | 06755 | S_ISVTX, 0, T_2021, 1);
	assert_true(ftp_list_line("x", &st, NULL, T_2021, buf,
	    sizeof(buf)) > 0);
	assert_memory_equal(buf, "-rwsr-sr-t", 10);
	st = mkstat(S_IFREG | 06644 | S_ISVTX, 0, T_2021, 1);
	assert_true(ftp_list_line("x", &st, NULL, T_2021, buf,
	    sizeof(buf)) > 0);
	assert_memory_equal(buf, "-rwSr-Sr-T", 10);

	st = mkstat(S_IFLNK | 0777, 11, T_2021, 1);
	assert_true(ftp_list_line("l", &st, "/etc/passwd", T_2021, buf,
	    sizeof(buf)) > 0);
	assert_memory_equal(buf, "lrwxrwxrwx", 10);
	assert_non_null(strstr(buf, " l -> /etc/passwd\r\n"));

	/* Too small a buffer. */
	assert_int_equal(ftp_list_line("hello.txt", &st, NULL, T_2021, buf,
	    20), -IK_ETRUNC);
	/* Large sizes keep their digits. */
	st = mkstat(S_IFREG | 0600, 5000000000ll, T_2021, 1);
	assert_true(ftp_list_line("big", &st, NULL, T_2021, buf,
	    sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " 5000000000 "));
}

static void
test_mlsx(void **state)
{
	char buf[256];
	struct stat st = mkstat(S_IFREG | 0640, 13, T_2021, 1);
	(void)state;

	assert_true(ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, FTP_FACT_ALL, false,
	    buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "type=file;size=13;modify=20210304050607;"
	    "perm=r;unix.mode=0640; ");
	assert_true(ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, FTP_FACT_ALL, true,
	    buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "perm=adfrw;"));

	st = mkstat(S_IFDIR | 0755, 4096, T_2021, 2);
	/* A directory has no size fact. */
	assert_true(ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, FTP_FACT_ALL, false,
	    buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "type=dir;modify=20210304050607;perm=el;"
	    "unix.mode=0755; ");
	assert_true(ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, FTP_FACT_PERM, true,
	    buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "perm=flcdmpe; ");
	assert_true(ftp_mlsx_facts(&st, FTP_MLSX_CDIR, FTP_FACT_TYPE |
	    FTP_FACT_PERM, true, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "type=cdir;perm=flcmpe; ");
	assert_true(ftp_mlsx_facts(&st, FTP_MLSX_PDIR, FTP_FACT_TYPE, false,
	    buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "type=pdir; ");
	/* No facts: just the separator. */
	assert_int_equal(ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, 0, false, buf,
	    sizeof(buf)), 1);
	assert_string_equal(buf, " ");

	st = mkstat(S_IFIFO | 0600, 0, T_2021, 1);
	assert_true(ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, FTP_FACT_TYPE, false,
	    buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "type=OS.unix=other; ");

	st = mkstat(S_IFREG | 0644, 13, T_2021, 1);
	for (size_t cap = 0; cap < 60; cap++) {
		ssize_t n = ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, FTP_FACT_ALL,
		    false, buf, cap);
		assert_int_equal(n, -IK_ETRUNC);
	}
}

static void
test_time(void **state)
{
	char buf[16];
	(void)state;

	assert_int_equal(ftp_time_format(T_2021, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "20210304050607");
	assert_int_equal(ftp_time_format(0, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "19700101000000");
	assert_int_equal(ftp_time_format(T_2021, buf, 14), -IK_ETRUNC);
	assert_int_equal(ftp_time_format((time_t)400000000000ll, buf,
	    sizeof(buf)), -IK_EPARSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_line),
		cmocka_unit_test(test_mlsx),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
