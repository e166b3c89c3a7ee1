build-tsan/obj/src/core/auth.o: src/core/auth.c src/core/auth.h \
 src/core/cfg.h src/core/net.h src/core/err.h
src/core/auth.h:
src/core/cfg.h:
src/core/net.h:
src/core/err.h:
