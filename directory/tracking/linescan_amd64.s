//go:build amd64 && !purego

#include "textflag.h"

// func scanLineAVX2(b []byte, pos *int32, maxPos int) (commas, end int, quoted bool)
//
// Each 32-byte chunk is compared with ',', '\n' and '"' at once. The masks
// of the chunk that holds the newline (or the end of b) are cut there; the
// comma bits are then written out as offsets.
TEXT ·scanLineAVX2(SB), NOSPLIT, $0-57
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), BX
	MOVQ pos+24(FP), DI
	MOVQ maxPos+32(FP), R9
	XORQ R8, R8   // commas seen
	XORQ R10, R10 // offset of the chunk
	XORL R11, R11 // quote bits seen
	MOVQ $0x2c, AX
	MOVQ AX, X0
	VPBROADCASTB X0, Y0
	MOVQ $0x0a, AX
	MOVQ AX, X1
	VPBROADCASTB X1, Y1
	MOVQ $0x22, AX
	MOVQ AX, X2
	VPBROADCASTB X2, Y2

chunk:
	CMPQ R10, BX
	JAE  nonewline
	VMOVDQU (SI)(R10*1), Y3
	VPCMPEQB Y3, Y0, Y4
	VPMOVMSKB Y4, AX // commas
	VPCMPEQB Y3, Y1, Y5
	VPMOVMSKB Y5, CX // newlines
	VPCMPEQB Y3, Y2, Y6
	VPMOVMSKB Y6, DX // quotes
	MOVQ BX, R12
	SUBQ R10, R12    // bytes of b left in this chunk
	CMPQ R12, $32
	JAE  whole
	BZHIL R12, AX, AX
	BZHIL R12, CX, CX
	BZHIL R12, DX, DX

whole:
	TESTL CX, CX
	JZ    quotes
	TZCNTL CX, R12   // the newline's offset in the chunk
	BZHIL R12, AX, AX
	BZHIL R12, DX, DX
	MOVL  $1, CX     // CX now says: this chunk ends the line

quotes:
	ORL DX, R11

offsets:
	TESTL AX, AX
	JZ    next
	CMPQ  R8, R9
	JAE   countrest
	TZCNTL AX, R13
	ADDQ  R10, R13
	MOVL  R13, (DI)(R8*4)
	INCQ  R8
	BLSRL AX, AX
	JMP   offsets

countrest:
	POPCNTL AX, R13
	ADDQ    R13, R8

next:
	TESTL CX, CX
	JNZ   newline
	ADDQ  $32, R10
	JMP   chunk

newline:
	ADDQ R12, R10
	MOVQ R10, end+48(FP)
	JMP  done

nonewline:
	MOVQ BX, end+48(FP)

done:
	VZEROUPPER
	MOVQ  R8, commas+40(FP)
	TESTL R11, R11
	SETNE quoted+56(FP)
	RET
