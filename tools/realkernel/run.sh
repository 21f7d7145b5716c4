#!/bin/bash
# Ground truth from a real Linux 6.1 kernel (Debian bookworm linux-image-6.1)
# booted under QEMU with a busybox initramfs and small static C workloads.
#
#   ./run.sh                 install/download/build everything, run all workloads
#   ./run.sh w0 w3a w4       run only these workloads (build steps still run)
#   ./run.sh --list          list the workloads
#
# Environment:
#   RK_CACHE=/tmp/rk-cache   kernel package, extracted tree, build, disk images
#   RK_ACCEL=tcg|kvm         default tcg (see README: KVM guests hang on this machine)
#   RK_KPKG=linux-image-6.1.0-56-amd64   kernel package to use (falls back to
#                            whatever linux-image-amd64 depends on if not found)
#   RK_TOTAL_TIMEOUT=3600    whole-script timeout in seconds
#   RK_DATA=../../test/realkernel/data   where to write results (the project's ground truth)
#
# Output: data/<workload>/ : one file per captured /proc (or /sys) file,
# console.log (full serial console), run_info, oom_report.N where the kernel
# log has OOM reports.  Re-running overwrites data/<workload>/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -z "${RK_INNER:-}" ]; then
	export RK_INNER=1
	exec timeout --foreground -k 10 "${RK_TOTAL_TIMEOUT:-3600}" "$HERE/run.sh" "$@"
fi

CACHE="${RK_CACHE:-/tmp/rk-cache}"
ACCEL="${RK_ACCEL:-tcg}"
KPKG_WANT="${RK_KPKG:-linux-image-6.1.0-56-amd64}"
DATA="${RK_DATA:-$HERE/../../test/realkernel/data}"
BUILD="$CACHE/build"

# name  memory  timeout  extra
# extra: - or comma-separated tokens, in the order the disks are attached:
#   disk=swap | disk=ext2   (w5, w6: a fresh 512 MiB swap disk | ext2.img read-only)
#   numa2                   2 NUMA nodes of 512 MiB, -smp 2
#   x                       boot the extended initramfs (initrd-x.gz: + rkx, /init-ext)
#   smp=N                   -smp N
#   swap                    a fresh 512 MiB disk for swap (mkswap in the guest)
#   img=pc | img=blank      an ext2 image (section 4) attached with snapshot=on:
#                           the guest may write, the image on the host never changes
WORKLOADS="
w0       512M  240 -
w0-m256  256M  240 -
w0-m1024 1024M 240 -
w0-m2048 2048M 240 -
w0-m8192 8192M 300 -
w0-numa2 1024M 240 numa2
w1       512M  300 -
w1t      1024M 300 -
w2       512M  300 -
w3a      256M  400 -
w4       512M  300 -
w5       256M  580 disk=swap
w6       512M  300 disk=ext2
w9       512M  240 -
sl-boot-m256       256M  240 -
sl-boot-m512       512M  240 -
sl-boot-m1024      1024M 240 -
sl-boot-m2048      2048M 240 -
sl-boot-m1024-smp2 1024M 240 smp=2
sl-boot-m1024-smp4 1024M 300 smp=4
sl-boot-numa2      1024M 300 numa2
mg-thrash          256M  580 disk=swap
mg-thrash-off      256M  580 disk=swap
pc-read            512M  300 x,img=pc
pc-dirty           512M  580 x,img=blank
pc-mmap            512M  300 x,img=pc
pc-reclaim-s0      256M  580 x,swap,img=pc
pc-reclaim-s60     256M  580 x,swap,img=pc
pc-reclaim-s200    256M  580 x,swap,img=pc
mc-high            512M  580 x,swap
mc-low             512M  580 x,swap
mc-file-max        512M  300 x,img=pc
mc-swap-max        512M  300 x,swap
sl-fork            512M  300 x
sl-dcache          512M  580 x,img=blank
hp-hugetlb         1024M 300 x
hp-thp-madvise     1024M 300 x
hp-compact         1024M 400 x
wk       512M  240 -
wk-smp2  512M  240 smp2
wk-numa2 1024M 240 numa2
wo-cow   256M  300 -
wo-populate 256M 300 -
wo-mlock 256M  300 -
wo-madvise 256M 300 -
wo-pte   256M  300 -
wks      512M  240 -
wt       256M  300 -
"

log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }

if [ "${1:-}" = "--list" ]; then echo "$WORKLOADS" | awk 'NF{print $1, $2}'; exit 0; fi

# ------------------------------------------------------------ 1. host packages
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
command -v cpio >/dev/null || need_pkgs+=(cpio)
command -v mke2fs >/dev/null || need_pkgs+=(e2fsprogs)
command -v gcc >/dev/null || need_pkgs+=(gcc libc6-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	log "installing ${need_pkgs[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# ------------------------------------------------------------ 2. kernel package
mkdir -p "$CACHE"
KDIR="$CACHE/kimg"
if ! ls "$KDIR"/boot/vmlinuz-* >/dev/null 2>&1; then
	(
		cd "$CACHE"
		rm -f linux-image-*.deb
		if ! apt-get download "$KPKG_WANT" >/dev/null 2>&1; then
			apt-get update -qq
			if ! apt-get download "$KPKG_WANT" >/dev/null 2>&1; then
				alt=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/{print $2; exit}')
				log "WARNING: $KPKG_WANT not available, using $alt"
				apt-get download "$alt" >/dev/null
			fi
		fi
		rm -rf kimg.tmp && dpkg -x linux-image-*.deb kimg.tmp && mv kimg.tmp kimg
	)
fi
DEB=$(ls "$CACHE"/linux-image-*.deb | head -1)
KPKG=$(dpkg-deb -f "$DEB" Package)
KPKGVER=$(dpkg-deb -f "$DEB" Version)
VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -1)
KREL=${VMLINUZ##*/vmlinuz-}
MODSRC="$KDIR/lib/modules/$KREL/kernel"
log "kernel: $KPKG $KPKGVER ($KREL)"

# ------------------------------------------------------------ 3. initramfs
rm -rf "$BUILD" && mkdir -p "$BUILD/root"/{bin,proc,sys,dev,tmp,mnt,lib/modules}
R="$BUILD/root"
for w in anon forkcow oompath; do
	gcc -static -O2 -s -Wall -o "$R/bin/$w" "$HERE/workloads/$w.c"
done
# distinct command names (comm) for the OOM workloads
for n in memA memB memC memcgtouch; do ln -s anon "$R/bin/$n"; done
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
for m in drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko \
	drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko \
	drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko \
	mm/zsmalloc.ko drivers/block/zram/zram.ko \
	lib/crc16.ko fs/mbcache.ko fs/jbd2/jbd2.ko crypto/crc32c_generic.ko fs/ext4/ext4.ko; do
	src="$MODSRC/$m"
	[ -f "$src" ] || { [ -f "$src.xz" ] && src="$src.xz"; }
	case "$src" in
	*.xz) xz -dc "$src" >"$R/lib/modules/$(basename "$m")" ;;
	*) cp "$src" "$R/lib/modules/" ;;
	esac
done
install -m 755 "$HERE/guest/init" "$R/init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$BUILD/initrd.gz"
log "initramfs: $(du -h "$BUILD/initrd.gz" | cut -f1) compressed, $(du -sh "$R" | cut -f1) unpacked"
# The extended initramfs (workloads with the x token): the same files plus the
# step interpreter rkx and /init-ext (the newer workloads' functions, sourced
# by /init). It is a separate image so that the base one, and with it the
# rootfs Shmem every older workload measured, stays as it was: rkx alone adds
# its size (about 700 kB) to Shmem and Cached.
X="$BUILD/root-x"
cp -a "$R" "$X"
gcc -static -O2 -s -Wall -o "$X/bin/rkx" "$HERE/workloads/rkx.c"
install -m 644 "$HERE/guest/init-ext" "$X/init-ext"
(cd "$X" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$BUILD/initrd-x.gz"
log "initramfs-x: $(du -h "$BUILD/initrd-x.gz" | cut -f1) compressed, $(du -sh "$X" | cut -f1) unpacked"

# ------------------------------------------------------------ 4. disk images
if [ ! -f "$CACHE/ext2.img" ]; then
	rm -rf "$CACHE/ext2src" && mkdir -p "$CACHE/ext2src"
	head -c $((64 << 20)) /dev/urandom >"$CACHE/ext2src/file64"
	mke2fs -q -t ext2 -d "$CACHE/ext2src" -F "$CACHE/ext2.img.tmp" 96M >/dev/null
	mv "$CACHE/ext2.img.tmp" "$CACHE/ext2.img"
	rm -rf "$CACHE/ext2src"
fi
# Images of the newer workloads (img=NAME). A fixed UUID and directory hash
# seed make the file system the same on every host; file contents are random
# bytes (never zero blocks, which mke2fs -d would store as holes).
#   pc.img (640 MiB): seq64, rand64 (64 MiB each), map32, file96, file128
#   blank.img (1 GiB): empty, 131072 inodes (100k files fit)
mkimg() { # NAME SIZE MKE2FS-OPTIONS FILE:MIB...
	local name=$1 size=$2 opts=$3
	shift 3
	[ -f "$CACHE/$name.img" ] && return 0
	rm -rf "$CACHE/$name.src" && mkdir -p "$CACHE/$name.src"
	for f in "$@"; do head -c $((${f#*:} << 20)) /dev/urandom >"$CACHE/$name.src/${f%%:*}"; done
	# shellcheck disable=SC2086
	mke2fs -q -t ext2 $opts -U 7e1f0c2a-5b7d-4c1e-9a55-3f0d2b6c8e10 \
		-E hash_seed=1d3c5e7f-2a4b-4c6d-8e0f-a1b2c3d4e5f6 \
		-d "$CACHE/$name.src" -F "$CACHE/$name.img.tmp" "$size" >/dev/null
	mv "$CACHE/$name.img.tmp" "$CACHE/$name.img"
	rm -rf "$CACHE/$name.src"
}
mkimg pc 640M "" seq64:64 rand64:64 map32:32 file96:96 file128:128
mkimg blank 1G "-N 131072"

# ------------------------------------------------------------ 5. boot helpers
split_console() { # console.log outdir
	awk -v out="$2" '
	{ sub(/\r$/, "") }
	state == 0 && match($0, /@@RK-BEGIN [^@]+@@/) {
		name = substr($0, RSTART + 11, RLENGTH - 13)
		file = out "/" name
		dir = file; sub(/\/[^\/]*$/, "", dir)
		system("mkdir -p \"" dir "\"")
		printf "" > file
		state = 1; next
	}
	state == 1 {
		if (match($0, /@@RK-END [^@]+@@/)) {
			pre = substr($0, 1, RSTART - 1)
			if (pre != "") printf "%s", pre >> file
			close(file); state = 0; next
		}
		print >> file
	}' "$1"
}
extract_oom() { # dmesg outdir
	awk -v out="$2" '
	/invoked oom-killer:/ { n++; file = out "/oom_report." n; inr = 1 }
	inr { print > file }
	inr && /Killed process/ { close(file); inr = 0 }' "$1"
}

run_one() { # name mem timeout extra
	local name=$1 mem=$2 tmo=$3 extra=$4
	local out="$DATA/$name"
	rm -rf "$out" && mkdir -p "$out"
	local initrd="$BUILD/initrd.gz"
	case ",$extra," in *,x,*) initrd="$BUILD/initrd-x.gz" ;; esac
	local args=(-nodefaults -no-user-config -no-reboot -display none -monitor none
		-serial "file:$out/console.log" -m "$mem" -kernel "$VMLINUZ" -initrd "$initrd")
	if [ "$ACCEL" = kvm ]; then args+=(-enable-kvm -cpu host,-arch-capabilities); else args+=(-accel tcg); fi
	local smp=1 tok
	for tok in ${extra//,/ }; do
		case "$tok" in
		-) ;;
		numa2)
			smp=2
			args+=(-object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
				-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1) ;;
		disk=swap | swap)
			rm -f "$CACHE/swap.img" && truncate -s 512M "$CACHE/swap.img"
			args+=(-drive "file=$CACHE/swap.img,format=raw,if=virtio,cache=unsafe") ;;
		disk=ext2)
			args+=(-drive "file=$CACHE/ext2.img,format=raw,if=virtio,readonly=on") ;;
		img=*)
			args+=(-drive "file=$CACHE/${tok#img=}.img,format=raw,if=virtio,cache=unsafe,snapshot=on") ;;
		x) ;;
		smp2) smp=2 ;;
		smp=*) smp=${tok#smp=} ;;
		*) log "unknown extra token $tok"; exit 1 ;;
		esac
	done
	args+=(-smp "$smp" -append "console=ttyS0 nokaslr norandmaps panic=-1 rk.wl=$name")
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	timeout -k 5 "$tmo" qemu-system-x86_64 "${args[@]}" >"$out/qemu.stderr" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	[ -s "$out/qemu.stderr" ] || rm -f "$out/qemu.stderr"
	split_console "$out/console.log" "$out"
	[ -f "$out/dmesg" ] && extract_oom "$out/dmesg" "$out"
	local done=no
	grep -q "@@RK-DONE $name@@" "$out/console.log" && done=yes
	{
		echo "workload: $name"
		echo "kernel_package: $KPKG $KPKGVER"
		echo "kernel_release: $KREL"
		echo "accel: $ACCEL"
		echo "memory: $mem"
		echo "smp: $smp"
		[ "$extra" = - ] || echo "extra: $extra"
		echo "qemu: $(qemu-system-x86_64 --version | head -1)"
		echo "qemu_args: ${args[*]}" | sed "s#$CACHE#\$RK_CACHE#g; s#$DATA/#data/#g"
		echo "qemu_exit: $rc"
		echo "completed: $done"
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "wall_seconds: %.1f\n", b - a }'
	} >"$out/run_info"
	log "$name: qemu rc=$rc completed=$done $(grep wall_seconds "$out/run_info")"
}

sel=("$@")
echo "$WORKLOADS" | while read -r name mem tmo extra; do
	[ -n "$name" ] || continue
	if [ ${#sel[@]} -gt 0 ]; then
		hit=0; for s in "${sel[@]}"; do [ "$s" = "$name" ] && hit=1; done
		[ $hit = 1 ] || continue
	fi
	run_one "$name" "$mem" "$tmo" "$extra" </dev/null
done
"$HERE/summarize.sh" "$DATA" >"$DATA/SUMMARY.md" || log "summarize failed"
log "done: $DATA (summary in $DATA/SUMMARY.md)"
