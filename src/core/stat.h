/* core/stat.h - counters that one thread bumps and other threads read
 * (`ctl ... stats` sums the workers'). Relaxed atomic loads and stores:
 * the reads are then no data race (C11), and on x86 the bump is still a
 * plain add, not a locked one, since each counter has one writer. */
#ifndef IK_CORE_STAT_H
#define IK_CORE_STAT_H

#define STAT_ADD(c, n)	__atomic_store_n(&(c), __atomic_load_n(&(c), \
			    __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#define STAT_INC(c)	STAT_ADD(c, 1)
#define STAT_GET(c)	__atomic_load_n(&(c), __ATOMIC_RELAXED)

#endif
