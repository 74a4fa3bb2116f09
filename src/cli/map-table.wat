;; The WebAssembly program behind `extent-lens map`'s table and --json rows.
;; Driver: src/cli/map-table.ts (what each call is for, and why WebAssembly at all).
;;
;; This is not plain WAT: in the code (not in comments), {{NAME}} and {{NAME+N}} stand for
;; the memory layout's numbers in src/cli/map-table-layout.ts (the one place they are written
;; down), plus, for each piece of --json text J_X, {{J_X_AT}} (where the driver put it) and
;; {{J_X_LEN}} (its length).
;; src/cli/map-table-code.ts fills them in, compiles this with wabt and stores the bytes in
;; src/cli/map-table-wasm.ts, which is what the CLI loads:
;;
;;   node --import tsx src/cli/map-table-code.ts
;;
;; test/cli/map-table.test.ts fails when the stored bytes are not what this file compiles to.
;;
;; Memory (byte addresses, named as in map-table-layout.ts; set up by the driver):
;;   PAIRS         "00".."99", two ASCII digits per value
;;   POW10         10^0 .. 10^19 as i64
;;   NAMES         the FIEMAP flag name of bit k at NAMES + 16k (at most 16 bytes);
;;   NAME_LEN      its length at NAME_LEN + k (0: no name)
;;   RES           scan's running state between chunks, then its results; rows' end position
;;   JSON_TEXT_AT  the fixed pieces of a --json extent, JSON_TEXT_STRIDE bytes apart
;;   DATA          one chunk of the columns (offset, length, physical: i64; flags: i32), then
;;                 the output area; the column and output addresses come with each call.
;; Every number is an unsigned 64-bit value held in an i64 (physical -1: unknown), so nothing
;; goes through a double except the two "largest" comparisons, which copy map-packed.ts.

(module
  ;; One page here; the driver grows it to hold a chunk and the output area.
  (memory (export "memory") 1)

  ;; spaces(pos, n) -> pos + max(n, 0): n spaces at pos, eight per store. Up to 7 more bytes
  ;; after them may become spaces too: whatever follows is written after this call.
  (func $spaces (param $pos i32) (param $n i32) (result i32)
    (block $none
      (br_if $none (i32.le_s (local.get $n) (i32.const 0)))
      (loop $next
        (i64.store (local.get $pos) (i64.const 0x2020202020202020))
        (if (i32.le_s (local.get $n) (i32.const 8))
          (then (return (i32.add (local.get $pos) (local.get $n)))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $next)))
    (local.get $pos))

  ;; num(pos, v, width) -> next pos: the unsigned 64-bit v in decimal, right-aligned in width
  ;; columns (wider values take the room they need, like the JavaScript writer).
  (func $num (param $pos i32) (param $v i64) (param $width i32) (result i32)
    (local $n i32) (local $p i32) (local $q i64) (local $x i32) (local $q32 i32)
    ;; n = number of digits, from the bit length: t = floor(bits * log10(2)) is n or n - 1
    ;; (t = (bits * 1233) >> 12 for bits <= 64), and one comparison with 10^t decides.
    ;; v | 1 gives 0 the one digit it prints.
    (local.set $n
      (i32.sub
        (i32.add
          (local.tee $n
            (i32.shr_u
              (i32.mul
                (i32.wrap_i64 (i64.sub (i64.const 64) (i64.clz (i64.or (local.get $v) (i64.const 1)))))
                (i32.const 1233))
              (i32.const 12)))
          (i32.const 1))
        (i64.lt_u
          (i64.or (local.get $v) (i64.const 1))
          (i64.load offset={{POW10}} (i32.shl (local.get $n) (i32.const 3))))))
    ;; pos = end of the number, after the padding; the digits go backwards from p
    (local.set $pos
      (local.tee $p
        (i32.add
          (call $spaces (local.get $pos) (i32.sub (local.get $width) (local.get $n)))
          (local.get $n))))
    ;; one digit at a time while v needs 64 bits
    (block $fits32
      (loop $next
        (br_if $fits32 (i64.le_u (local.get $v) (i64.const 0xffffffff)))
        (local.set $q (i64.div_u (local.get $v) (i64.const 10)))
        (i32.store8
          (local.tee $p (i32.sub (local.get $p) (i32.const 1)))
          (i32.add
            (i32.wrap_i64 (i64.sub (local.get $v) (i64.mul (local.get $q) (i64.const 10))))
            (i32.const 48)))
        (local.set $v (local.get $q))
        (br $next)))
    ;; then two digits at a time in 32 bits: x / 100 == (x * 1374389535) >> 37 for every u32
    (local.set $x (i32.wrap_i64 (local.get $v)))
    (block $below100
      (loop $next
        (br_if $below100 (i32.lt_u (local.get $x) (i32.const 100)))
        (local.set $q32
          (i32.wrap_i64
            (i64.shr_u
              (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 1374389535))
              (i64.const 37))))
        (i32.store16
          (local.tee $p (i32.sub (local.get $p) (i32.const 2)))
          (i32.load16_u offset={{PAIRS}}
            (i32.shl
              (i32.sub (local.get $x) (i32.mul (local.get $q32) (i32.const 100)))
              (i32.const 1))))
        (local.set $x (local.get $q32))
        (br $next)))
    ;; the last one or two digits
    (if (i32.ge_u (local.get $x) (i32.const 10))
      (then
        (i32.store16
          (i32.sub (local.get $p) (i32.const 2))
          (i32.load16_u offset={{PAIRS}} (i32.shl (local.get $x) (i32.const 1)))))
      (else
        (i32.store8
          (i32.sub (local.get $p) (i32.const 1))
          (i32.add (local.get $x) (i32.const 48)))))
    (local.get $pos))

  ;; scan(n, base, off, len, phys, flags) -> 1 while every end and total fits in 64 bits.
  ;; One chunk of the columns (extents base .. base + n - 1); the running state (previous end,
  ;; totals, holes, largest values so far) lives at RES between chunks, set up by the driver.
  ;; The largest length and physical offset are chosen as map-packed.ts's maxIndex does:
  ;; compared as doubles, negative values skipped, the first index on ties.
  (func $scan (export "scan")
    (param $n i32) (param $base i32) (param $off i32) (param $len i32) (param $phys i32) (param $flg i32)
    (result i32)
    (local $i i32)
    (local $o i64) (local $l i64) (local $prev i64) (local $e i64)
    (local $mapped i64) (local $unw i64) (local $shr i64)
    (local $holes i32) (local $bad i32)
    (local $bestL f64) (local $atL i32) (local $bestP f64) (local $atP i32)
    (local $d f64) (local $f i32) (local $p i64)
    (local.set $prev (i64.load (i32.const {{RES_PREV}})))
    (local.set $mapped (i64.load (i32.const {{RES_MAPPED}})))
    (local.set $unw (i64.load (i32.const {{RES_UNWRITTEN}})))
    (local.set $shr (i64.load (i32.const {{RES_SHARED}})))
    (local.set $holes (i32.load (i32.const {{RES_HOLES}})))
    (local.set $bad (i32.load (i32.const {{RES_BAD}})))
    (local.set $bestL (f64.load (i32.const {{RES_BEST_LEN}})))
    (local.set $atL (i32.load (i32.const {{RES_AT_LEN}})))
    (local.set $bestP (f64.load (i32.const {{RES_BEST_PHYS}})))
    (local.set $atP (i32.load (i32.const {{RES_AT_PHYS}})))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $o (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $off))))
        (local.set $l (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $len))))
        (local.set $p (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $phys))))
        (local.set $f (i32.load (i32.add (i32.shl (local.get $i) (i32.const 2)) (local.get $flg))))
        ;; the largest length and physical offset so far
        (if (i64.ge_s (local.get $l) (i64.const 0))
          (then
            (if (f64.gt (local.tee $d (f64.convert_i64_s (local.get $l))) (local.get $bestL))
              (then
                (local.set $bestL (local.get $d))
                (local.set $atL (i32.add (local.get $base) (local.get $i)))))))
        (if (i64.ge_s (local.get $p) (i64.const 0))
          (then
            (if (f64.gt (local.tee $d (f64.convert_i64_s (local.get $p))) (local.get $bestP))
              (then
                (local.set $bestP (local.get $d))
                (local.set $atP (i32.add (local.get $base) (local.get $i)))))))
        ;; a hole before this extent: it starts after the previous one ended
        (if (i64.gt_u (local.get $o) (local.get $prev))
          (then (local.set $holes (i32.add (local.get $holes) (i32.const 1)))))
        ;; its end, flagging one past 2^64 - 1
        (if (i64.lt_u (local.tee $e (i64.add (local.get $o) (local.get $l))) (local.get $o))
          (then (local.set $bad (i32.const 1))))
        (local.set $prev (local.get $e))
        ;; totals, flagging a carry out of 64 bits
        (if (i64.lt_u (local.tee $mapped (i64.add (local.get $mapped) (local.get $l))) (local.get $l))
          (then (local.set $bad (i32.const 1))))
        (if (i32.and (local.get $f) (i32.const 0x800)) ;; FIEMAP_EXTENT_UNWRITTEN
          (then
            (if (i64.lt_u (local.tee $unw (i64.add (local.get $unw) (local.get $l))) (local.get $l))
              (then (local.set $bad (i32.const 1))))))
        (if (i32.and (local.get $f) (i32.const 0x2000)) ;; FIEMAP_EXTENT_SHARED
          (then
            (if (i64.lt_u (local.tee $shr (i64.add (local.get $shr) (local.get $l))) (local.get $l))
              (then (local.set $bad (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.store (i32.const {{RES_PREV}}) (local.get $prev))
    (i64.store (i32.const {{RES_MAPPED}}) (local.get $mapped))
    (i64.store (i32.const {{RES_UNWRITTEN}}) (local.get $unw))
    (i64.store (i32.const {{RES_SHARED}}) (local.get $shr))
    (i32.store (i32.const {{RES_HOLES}}) (local.get $holes))
    (i32.store (i32.const {{RES_BAD}}) (local.get $bad))
    (f64.store (i32.const {{RES_BEST_LEN}}) (local.get $bestL))
    (i32.store (i32.const {{RES_AT_LEN}}) (local.get $atL))
    (f64.store (i32.const {{RES_BEST_PHYS}}) (local.get $bestP))
    (i32.store (i32.const {{RES_AT_PHYS}}) (local.get $atP))
    (i32.eqz (local.get $bad)))

  ;; rows(i, to, base, pos, limit, off, len, phys, flags, wIdx, wOff, wEnd, wLen, wPhys, known)
  ;;   -> next i.
  ;; The human table's rows from index i of the chunk (extent base + i) while i < to and
  ;; pos <= limit (the driver keeps room for one widest row after limit); the end position goes
  ;; to RES_POS. A row: "index  offset  end  length  physical  flags\n", numbers right-aligned.
  ;; Widths include the two spaces between columns (except wIdx); known masks the flag bits
  ;; that have a name.
  (func $rows (export "rows")
    (param $i i32) (param $to i32) (param $base i32) (param $pos i32) (param $limit i32)
    (param $off i32) (param $len i32) (param $phys i32) (param $flg i32)
    (param $wIdx i32) (param $wOff i32) (param $wEnd i32) (param $wLen i32) (param $wPhys i32)
    (param $known i32)
    (result i32)
    (local $o i64) (local $l i64) (local $p i64) (local $b i32) (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (br_if $done (i32.gt_u (local.get $pos) (local.get $limit)))
        ;; the 1-based index of the extent in the whole map
        (local.set $pos
          (call $num
            (local.get $pos)
            (i64.extend_i32_u (i32.add (i32.add (local.get $base) (local.get $i)) (i32.const 1)))
            (local.get $wIdx)))
        (local.set $o (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $off))))
        (local.set $l (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $len))))
        (local.set $p (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $phys))))
        (local.set $pos (call $num (local.get $pos) (local.get $o) (local.get $wOff)))
        (local.set $pos (call $num (local.get $pos) (i64.add (local.get $o) (local.get $l)) (local.get $wEnd)))
        (local.set $pos (call $num (local.get $pos) (local.get $l) (local.get $wLen)))
        ;; physical -1 (unknown): "-"
        (if (i64.lt_s (local.get $p) (i64.const 0))
          (then
            (i32.store8
              (local.tee $pos (call $spaces (local.get $pos) (i32.sub (local.get $wPhys) (i32.const 1))))
              (i32.const 45)) ;; -
            (local.set $pos (i32.add (local.get $pos) (i32.const 1))))
          (else
            (local.set $pos (call $num (local.get $pos) (local.get $p) (local.get $wPhys)))))
        ;; flags: "  name,name" in bit order
        (if (local.tee $b
              (i32.and
                (i32.load (i32.add (i32.shl (local.get $i) (i32.const 2)) (local.get $flg)))
                (local.get $known)))
          (then
            (i32.store16 (local.get $pos) (i32.const 0x2020)) ;; two spaces
            (local.set $pos (i32.add (local.get $pos) (i32.const 2)))
            (loop $name
              (local.set $k (i32.ctz (local.get $b)))
              ;; copy 16 bytes of the name, then advance by its length (the rest is overwritten next)
              (i64.store (local.get $pos)
                (i64.load offset={{NAMES}} (i32.shl (local.get $k) (i32.const 4))))
              (i64.store offset=8 (local.get $pos)
                (i64.load offset={{NAMES+8}} (i32.shl (local.get $k) (i32.const 4))))
              (local.set $pos (i32.add (local.get $pos) (i32.load8_u offset={{NAME_LEN}} (local.get $k))))
              ;; clear the lowest bit; a comma and the next name while any are left
              (if (local.tee $b (i32.and (local.get $b) (i32.sub (local.get $b) (i32.const 1))))
                (then
                  (i32.store8 (local.get $pos) (i32.const 44)) ;; ,
                  (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
                  (br $name))))))
        (i32.store8 (local.get $pos) (i32.const 10)) ;; \n
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const {{RES_POS}}) (local.get $pos))
    (local.get $i))

  ;; copy(pos, src, n) -> pos + n: n bytes from src, eight per store (up to 7 more may be
  ;; written). rowsJson's pieces of fixed text.
  (func $copy (param $pos i32) (param $src i32) (param $n i32) (result i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $pos) (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $pos) (local.get $end)))
        (i64.store (local.get $pos) (i64.load (local.get $src)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 8)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (br $next)))
    (local.get $end))

  ;; rowsJson(i, to, base, pos, limit, off, len, phys, flags, known) -> next i: the --json
  ;; extents, {"offset":"N","length":"N","physical":"N"|null,"flags":[...]} with a comma
  ;; before every one but the first of the map, like rows (same chunking, end position at
  ;; RES_POS).
  (func $rowsJson (export "rowsJson")
    (param $i i32) (param $to i32) (param $base i32) (param $pos i32) (param $limit i32)
    (param $off i32) (param $len i32) (param $phys i32) (param $flg i32) (param $known i32)
    (result i32)
    (local $p i64) (local $b i32) (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (br_if $done (i32.gt_u (local.get $pos) (local.get $limit)))
        ;; {"offset":"  or  ,{"offset":"
        (if (i32.or (local.get $base) (local.get $i))
          (then (local.set $pos (call $copy (local.get $pos) (i32.const {{J_NEXT_AT}}) (i32.const {{J_NEXT_LEN}}))))
          (else (local.set $pos (call $copy (local.get $pos) (i32.const {{J_FIRST_AT}}) (i32.const {{J_FIRST_LEN}})))))
        (local.set $pos
          (call $num
            (local.get $pos)
            (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $off)))
            (i32.const 0)))
        ;; ","length":"
        (local.set $pos (call $copy (local.get $pos) (i32.const {{J_LENGTH_AT}}) (i32.const {{J_LENGTH_LEN}})))
        (local.set $pos
          (call $num
            (local.get $pos)
            (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $len)))
            (i32.const 0)))
        (if (i64.lt_s
              (local.tee $p (i64.load (i32.add (i32.shl (local.get $i) (i32.const 3)) (local.get $phys))))
              (i64.const 0))
          (then
            ;; ","physical":null,"flags":
            (local.set $pos (call $copy (local.get $pos) (i32.const {{J_NULL_AT}}) (i32.const {{J_NULL_LEN}}))))
          (else
            ;; ","physical":"N","flags":
            (local.set $pos (call $copy (local.get $pos) (i32.const {{J_PHYSICAL_AT}}) (i32.const {{J_PHYSICAL_LEN}})))
            (local.set $pos (call $num (local.get $pos) (local.get $p) (i32.const 0)))
            (local.set $pos (call $copy (local.get $pos) (i32.const {{J_FLAGS_AT}}) (i32.const {{J_FLAGS_LEN}})))))
        ;; flags: [] or ["name","name"] in bit order
        (if (i32.eqz
              (local.tee $b
                (i32.and
                  (i32.load (i32.add (i32.shl (local.get $i) (i32.const 2)) (local.get $flg)))
                  (local.get $known))))
          (then
            (i32.store16 (local.get $pos) (i32.const 0x5d5b)) ;; []
            (local.set $pos (i32.add (local.get $pos) (i32.const 2))))
          (else
            (i32.store16 (local.get $pos) (i32.const 0x225b)) ;; ["
            (local.set $pos (i32.add (local.get $pos) (i32.const 2)))
            (loop $name
              (local.set $k (i32.ctz (local.get $b)))
              (i64.store (local.get $pos)
                (i64.load offset={{NAMES}} (i32.shl (local.get $k) (i32.const 4))))
              (i64.store offset=8 (local.get $pos)
                (i64.load offset={{NAMES+8}} (i32.shl (local.get $k) (i32.const 4))))
              (local.set $pos (i32.add (local.get $pos) (i32.load8_u offset={{NAME_LEN}} (local.get $k))))
              (if (local.tee $b (i32.and (local.get $b) (i32.sub (local.get $b) (i32.const 1))))
                (then
                  (i32.store16 (local.get $pos) (i32.const 0x2c22)) ;; ",
                  (i32.store8 offset=2 (local.get $pos) (i32.const 0x22)) ;; "
                  (local.set $pos (i32.add (local.get $pos) (i32.const 3)))
                  (br $name))))
            (i32.store16 (local.get $pos) (i32.const 0x5d22)) ;; "]
            (local.set $pos (i32.add (local.get $pos) (i32.const 2)))))
        (i32.store8 (local.get $pos) (i32.const 0x7d)) ;; }
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const {{RES_POS}}) (local.get $pos))
    (local.get $i))
)
