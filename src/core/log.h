/* core/log.h - one line per event to stderr: "SERVICE LEVEL message".
 * The logger is per process (set once by log_init before serving); lines
 * are written with a single write(2) so children's lines never interleave. */
#ifndef IK_CORE_LOG_H
#define IK_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LV_DEBUG, LOG_LV_INFO, LOG_LV_WARN, LOG_LV_ERR };

/* `service` is copied (at most 15 bytes). */
void log_init(const char *service, enum log_level min);
void log_set_level(enum log_level min);
/* Parses "debug", "info", "warn" or "error"; returns 0 or -IK_EPARSE. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level lv);

void log_msg(enum log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Escapes peer text for a log line: control bytes, '"', '\\' and bytes >=
 * 0x7f become \xHH; output is capped to `cap` - 1 bytes (ending in "..."
 * when cut). Returns `buf`, always NUL-terminated (cap >= 8). */
const char *log_esc(const char *s, size_t len, char *buf, size_t cap);

#endif
