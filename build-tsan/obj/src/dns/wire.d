build-tsan/obj/src/dns/wire.o: src/dns/wire.c src/dns/wire.h \
 src/dns/name.h src/dns/rr.h src/core/arena.h src/core/err.h \
 src/core/rdwr.h
src/dns/wire.h:
src/dns/name.h:
src/dns/rr.h:
src/core/arena.h:
src/core/err.h:
src/core/rdwr.h:
