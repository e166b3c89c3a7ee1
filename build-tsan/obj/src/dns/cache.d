build-tsan/obj/src/dns/cache.o: src/dns/cache.c src/dns/cache.h \
 src/dns/name.h src/dns/rr.h src/core/arena.h src/core/err.h
src/dns/cache.h:
src/dns/name.h:
src/dns/rr.h:
src/core/arena.h:
src/core/err.h:
