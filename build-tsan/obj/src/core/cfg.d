build-tsan/obj/src/core/cfg.o: src/core/cfg.c src/core/cfg.h \
 src/core/net.h src/core/err.h src/core/log.h
src/core/cfg.h:
src/core/net.h:
src/core/err.h:
src/core/log.h:
