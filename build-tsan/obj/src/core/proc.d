build-tsan/obj/src/core/proc.o: src/core/proc.c src/core/proc.h \
 src/core/err.h
src/core/proc.h:
src/core/err.h:
