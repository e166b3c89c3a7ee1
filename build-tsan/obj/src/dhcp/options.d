build-tsan/obj/src/dhcp/options.o: src/dhcp/options.c src/dhcp/options.h \
 src/dhcp/packet.h src/dns/name.h src/core/err.h src/core/rdwr.h
src/dhcp/options.h:
src/dhcp/packet.h:
src/dns/name.h:
src/core/err.h:
src/core/rdwr.h:
