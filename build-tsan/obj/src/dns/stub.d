build-tsan/obj/src/dns/stub.o: src/dns/stub.c src/dns/stub.h \
 src/core/net.h src/dns/wire.h src/dns/name.h src/dns/rr.h \
 src/core/arena.h src/core/clock.h src/core/err.h
src/dns/stub.h:
src/core/net.h:
src/dns/wire.h:
src/dns/name.h:
src/dns/rr.h:
src/core/arena.h:
src/core/clock.h:
src/core/err.h:
