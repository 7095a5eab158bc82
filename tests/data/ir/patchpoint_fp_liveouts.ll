; patchpoint_fp_liveouts.ll -- written for stackmap-construct's fixture corpus.
;
; Floating-point registers among a patchpoint's live-outs.  A double computed
; before a patchpoint and used after it is live across it, so the liveness
; pass lists its register (plus the stack pointer and any live GPRs).  On
; powerpc64(le) this gives odd live-out counts, which the integer-only
; patchpoint modules never do there (each live GPR appears twice on PPC: as
; the 64-bit register and as a 4-byte register numbered 1200+n).
; llc 14 segfaults on x86_64 whenever an XMM register is live across a
; patchpoint (in StackMaps::createLiveOutReg), so regenerate.sh skips x86_64.

declare void @llvm.experimental.patchpoint.void(i64, i32, i8*, i32, ...)
declare i64 @llvm.experimental.patchpoint.i64(i64, i32, i8*, i32, ...)

define double @fp_live_ccc(double %f, double %g) {
entry:
  %x = fmul double %f, %g
  ; ccc, constant target, no args, no live values; %x and %f live across
  call void (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.void(i64 1100, i32 40, i8* inttoptr (i64 244837814094590 to i8*), i32 0)
  %y = fadd double %x, %f
  ret double %y
}

define double @fp_live_anyreg(double %f, double %g, i64 %a) {
entry:
  %x = fmul double %f, %g
  ; anyregcc, 1 arg, 1 live value (3 locations); %x live across
  %r = call anyregcc i64 (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.i64(i64 1110, i32 16, i8* null, i32 1, i64 %a, double %g)
  %c = sitofp i64 %r to double
  %y = fadd double %x, %c
  ret double %y
}
