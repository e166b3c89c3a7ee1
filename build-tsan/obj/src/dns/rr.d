build-tsan/obj/src/dns/rr.o: src/dns/rr.c src/dns/rr.h src/dns/name.h \
 src/core/arena.h src/core/err.h src/core/rdwr.h
src/dns/rr.h:
src/dns/name.h:
src/core/arena.h:
src/core/err.h:
src/core/rdwr.h:
