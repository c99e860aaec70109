#!/usr/bin/env python3
"""Links one relocatable BPF object (clang -target bpfel -c) into an SBPFv0
shared object the Solana loader accepts.

Written from the loader's rules (anza-xyz/sbpf, elf.rs "lenient" parser):
ET_DYN, EM_BPF, every section's address equal to its file offset, .text and
.rodata resolved in place, lddw immediates pointing at rodata/text file
offsets with an R_BPF_64_RELATIVE entry (the loader adds 0x100000000),
syscalls left as `call -1` with an R_BPF_64_32 entry against an undefined
.dynsym symbol (the loader patches in murmur3-32 of the name), internal calls
pc-relative, `entrypoint` exported and used as e_entry, and a PT_DYNAMIC
segment describing .rel.dyn/.dynsym/.dynstr.

Usage: link.py input.o -o output.so
Anything outside that model is refused with a LinkError naming the problem.
"""
import argparse
import struct
import sys

EM_BPF = 247
ET_REL, ET_DYN = 1, 3
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS, SHT_REL, SHT_DYNAMIC, SHT_DYNSYM = 1, 2, 3, 8, 9, 6, 11
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
PT_LOAD, PT_DYNAMIC = 1, 2
PF_X, PF_W, PF_R = 1, 2, 4
STB_GLOBAL, STT_NOTYPE, STT_FUNC, STT_SECTION = 1, 0, 2, 3
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_REL, DT_RELSZ, DT_RELENT, DT_TEXTREL, DT_FLAGS, DT_RELCOUNT = (
    0, 5, 6, 10, 11, 17, 18, 19, 22, 30, 0x6FFFFFFA)
DF_TEXTREL = 4

R_BPF_64_64 = 1
R_BPF_64_ABS64 = 2
R_BPF_64_RELATIVE = 8
R_BPF_64_32 = 10
RELOC_NAMES = {0: "R_BPF_NONE", 1: "R_BPF_64_64", 2: "R_BPF_64_ABS64", 3: "R_BPF_64_ABS32",
               4: "R_BPF_64_NODYLD32", 8: "R_BPF_64_RELATIVE", 10: "R_BPF_64_32"}

OP_CALL = 0x85
OP_LDDW = 0x18
INSN = 8

# Syscalls the Agave runtime registers; an undefined symbol outside this list
# would fail at deployment ("unresolved symbol"), so refuse it here instead.
SYSCALLS = {
    "abort", "sol_panic_", "sol_log_", "sol_log_64_", "sol_log_compute_units_", "sol_log_pubkey",
    "sol_log_data", "sol_create_program_address", "sol_try_find_program_address", "sol_sha256",
    "sol_keccak256", "sol_blake3", "sol_secp256k1_recover", "sol_poseidon", "sol_get_clock_sysvar",
    "sol_get_epoch_schedule_sysvar", "sol_get_rent_sysvar", "sol_get_fees_sysvar",
    "sol_get_epoch_rewards_sysvar", "sol_get_last_restart_slot", "sol_get_sysvar",
    "sol_get_epoch_stake", "sol_memcpy_", "sol_memmove_", "sol_memcmp_", "sol_memset_",
    "sol_invoke_signed_c", "sol_invoke_signed_rust", "sol_set_return_data", "sol_get_return_data",
    "sol_get_stack_height", "sol_get_processed_sibling_instruction", "sol_remaining_compute_units",
    "sol_curve_validate_point", "sol_curve_group_op", "sol_curve_multiscalar_mul",
    "sol_alt_bn128_group_op", "sol_alt_bn128_compression", "sol_big_mod_exp",
}


class LinkError(Exception):
    """The input cannot be linked into an SBPFv0 program; the message says why."""


def align(value, to):
    return (value + to - 1) // to * to


def cstr(blob, offset):
    end = blob.find(b"\0", offset)
    return blob[offset:end if end >= 0 else len(blob)].decode("ascii", "replace")


class Obj:
    """The parts of a relocatable ELF64 BPF object the link needs."""

    def __init__(self, data):
        if len(data) < 64 or data[:4] != b"\x7fELF":
            raise LinkError("input is not an ELF file")
        if data[4] != 2:
            raise LinkError("input is not a 64-bit ELF (EI_CLASS != ELFCLASS64)")
        if data[5] != 1:
            raise LinkError("input is not little-endian (compile with -target bpfel)")
        (e_type, e_machine, _v, _entry, _phoff, e_shoff, _flags, _ehsize, _phentsize, _phnum,
         e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
        if e_machine != EM_BPF:
            raise LinkError(f"input is not a BPF object (e_machine {e_machine}, expected {EM_BPF} EM_BPF)")
        if e_type != ET_REL:
            raise LinkError(f"input is not a relocatable object (e_type {e_type}, expected ET_REL)")
        if e_shentsize != 64 or e_shoff + e_shnum * 64 > len(data):
            raise LinkError("section header table is malformed")
        self.data = data
        self.sections = []
        for i in range(e_shnum):
            (name, stype, flags, _addr, off, size, link, info, alignment, entsize) = struct.unpack_from(
                "<IIQQQQIIQQ", data, e_shoff + i * 64)
            if stype != SHT_NOBITS and off + size > len(data):
                raise LinkError(f"section {i} lies outside the file")
            self.sections.append(dict(index=i, name_off=name, type=stype, flags=flags, offset=off,
                                      size=size, link=link, info=info, align=max(alignment, 1),
                                      entsize=entsize))
        shstr = self.sections[e_shstrndx]
        names = data[shstr["offset"]:shstr["offset"] + shstr["size"]]
        for s in self.sections:
            s["name"] = cstr(names, s["name_off"])
        symtabs = [s for s in self.sections if s["type"] == SHT_SYMTAB]
        if len(symtabs) != 1:
            raise LinkError("input has no symbol table")
        symtab = symtabs[0]
        strtab = self.sections[symtab["link"]]
        strings = data[strtab["offset"]:strtab["offset"] + strtab["size"]]
        self.symbols = []
        for off in range(symtab["offset"], symtab["offset"] + symtab["size"], 24):
            name, info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", data, off)
            self.symbols.append(dict(name=cstr(strings, name), bind=info >> 4, type=info & 0xF,
                                     shndx=shndx, value=value, size=size))

    def body(self, section):
        return self.data[section["offset"]:section["offset"] + section["size"]]

    def relocations(self, rel_section):
        out = []
        for off in range(rel_section["offset"], rel_section["offset"] + rel_section["size"], 16):
            r_offset, r_info = struct.unpack_from("<QQ", self.data, off)
            out.append((r_offset, r_info >> 32, r_info & 0xFFFFFFFF))
        return out


def classify(obj):
    """Returns (text section, [rodata sections]) and refuses anything else that is allocated."""
    text, rodata = [], []
    for s in obj.sections:
        if not s["flags"] & SHF_ALLOC:
            continue
        name = s["name"]
        if s["flags"] & SHF_EXECINSTR:
            if name != ".text":
                raise LinkError(f"unsupported code section {name}: put all code in .text "
                                "(no -ffunction-sections)")
            text.append(s)
        elif s["flags"] & SHF_WRITE or s["type"] == SHT_NOBITS:
            raise LinkError(f"writable section {name} is not supported: SBPFv0 programs cannot have "
                            "mutable globals (make the data const or keep it on the stack)")
        elif name.startswith(".rodata") and s["type"] == SHT_PROGBITS:
            rodata.append(s)
        else:
            raise LinkError(f"unsupported allocated section {name}")
    if len(text) != 1:
        raise LinkError("input has no .text section")
    return text[0], rodata


def link(data):
    """Links the object bytes; returns the shared object bytes."""
    obj = Obj(data)
    text_sec, rodata_secs = classify(obj)

    entry = [s for s in obj.symbols if s["name"] == "entrypoint"]
    if not entry or entry[0]["shndx"] != text_sec["index"] or entry[0]["bind"] != STB_GLOBAL:
        raise LinkError("no global `entrypoint` function defined in .text")
    entry = entry[0]

    # ---- layout: header, 3 program headers, .text, .rodata, dynamic data, shstrtab, section headers
    text_off = align(64 + 3 * 56, 8)
    text = bytearray(obj.body(text_sec))
    placed = {text_sec["index"]: text_off}
    rodata = bytearray()
    rodata_off = align(text_off + len(text), 16)
    for s in rodata_secs:
        pad = align(len(rodata), s["align"]) - len(rodata)
        rodata += b"\0" * pad
        placed[s["index"]] = rodata_off + len(rodata)
        rodata += obj.body(s)

    dynsyms = []   # names of undefined (syscall) symbols, in order of first use
    rel_dyn = []   # (offset, type, dynsym index)

    def dynsym_index(name):
        if name not in dynsyms:
            dynsyms.append(name)
        return dynsyms.index(name) + 1  # 0 is the null symbol

    def symbol_address(sym, where):
        if sym["shndx"] not in placed:
            raise LinkError(f"{where}: symbol '{sym['name'] or '(section)'}' is in a section that is "
                            "not linked (.text / .rodata only)")
        return placed[sym["shndx"]] + sym["value"]

    for rel_sec in obj.sections:
        if rel_sec["type"] == 4:
            raise LinkError(f"RELA relocations ({rel_sec['name']}) are not supported")
        if rel_sec["type"] != SHT_REL:
            continue
        target = obj.sections[rel_sec["info"]]
        if not target["flags"] & SHF_ALLOC:
            continue  # debug info / BTF: not loaded
        if target["index"] not in placed:
            raise LinkError(f"relocations against unsupported section {target['name']}")
        in_text = target is text_sec
        for r_offset, sym_index, r_type in obj.relocations(rel_sec):
            where = f"{target['name']}+0x{r_offset:x}"
            if sym_index >= len(obj.symbols):
                raise LinkError(f"{where}: bad symbol index {sym_index}")
            sym = obj.symbols[sym_index]
            out_off = placed[target["index"]] + r_offset
            if in_text and r_type == R_BPF_64_32:
                if r_offset % INSN or text[r_offset] != OP_CALL:
                    raise LinkError(f"{where}: R_BPF_64_32 not on a call instruction")
                if sym["shndx"] == 0:
                    if sym["name"] not in SYSCALLS:
                        raise LinkError(f"{where}: call to undefined symbol '{sym['name']}', which is "
                                        "not a Solana syscall (libc is not available)")
                    text[r_offset + 1] &= 0x0F  # src = 0: external (syscall) call
                    struct.pack_into("<i", text, r_offset + 4, -1)
                    rel_dyn.append((out_off, R_BPF_64_32, dynsym_index(sym["name"])))
                elif sym["shndx"] == text_sec["index"] and sym["type"] == STT_FUNC:
                    rel = sym["value"] // INSN - (r_offset // INSN + 1)
                    text[r_offset + 1] = (text[r_offset + 1] & 0x0F) | 0x10  # src = 1: internal call
                    struct.pack_into("<i", text, r_offset + 4, rel)
                else:
                    raise LinkError(f"{where}: call target '{sym['name']}' is not a function in .text")
            elif in_text and r_type == R_BPF_64_64:
                if r_offset % INSN or text[r_offset] != OP_LDDW or r_offset + 16 > len(text):
                    raise LinkError(f"{where}: R_BPF_64_64 not on a lddw instruction")
                addend = struct.unpack_from("<I", text, r_offset + 4)[0]
                addr = symbol_address(sym, where) + addend
                struct.pack_into("<I", text, r_offset + 4, addr & 0xFFFFFFFF)
                struct.pack_into("<I", text, r_offset + 12, addr >> 32)
                rel_dyn.append((out_off, R_BPF_64_RELATIVE, 0))
            elif not in_text and r_type == R_BPF_64_ABS64:
                local = placed[target["index"]] - rodata_off + r_offset
                addend = struct.unpack_from("<Q", rodata, local)[0]
                addr = symbol_address(sym, where) + addend
                if addr >> 32:
                    raise LinkError(f"{where}: address 0x{addr:x} does not fit 32 bits")
                # The loader reads the target from the upper half and writes back a full u64.
                struct.pack_into("<Q", rodata, local, addr << 32)
                rel_dyn.append((out_off, R_BPF_64_RELATIVE, 0))
            else:
                raise LinkError(f"{where}: unsupported relocation {RELOC_NAMES.get(r_type, r_type)} "
                                f"in {target['name']}")

    # ---- dynamic string and symbol tables
    dynstr = bytearray(b"\0")
    name_offsets = {}
    for name in dynsyms + ["entrypoint"]:
        name_offsets[name] = len(dynstr)
        dynstr += name.encode() + b"\0"
    text_index = 1  # output section index of .text
    entry_addr = text_off + entry["value"]
    dynsym = bytearray(24)
    for name in dynsyms:
        dynsym += struct.pack("<IBBHQQ", name_offsets[name], (STB_GLOBAL << 4) | STT_NOTYPE, 0, 0, 0, 0)
    dynsym += struct.pack("<IBBHQQ", name_offsets["entrypoint"], (STB_GLOBAL << 4) | STT_FUNC, 0,
                          text_index, entry_addr, entry["size"])

    rel_dyn.sort()
    relbytes = b"".join(struct.pack("<QQ", off, (sym << 32) | typ) for off, typ, sym in rel_dyn)
    relative_count = sum(1 for _, typ, _ in rel_dyn if typ == R_BPF_64_RELATIVE)

    has_rodata = len(rodata) > 0
    ro_end = rodata_off + len(rodata) if has_rodata else text_off + len(text)
    dynamic_off = align(ro_end, 8)
    n_dyn = 11 if relbytes else 5
    dynsym_off = dynamic_off + n_dyn * 16
    dynstr_off = dynsym_off + len(dynsym)
    reldyn_off = align(dynstr_off + len(dynstr), 8)
    dyn_entries = []
    if relbytes:
        dyn_entries += [(DT_REL, reldyn_off), (DT_RELSZ, len(relbytes)), (DT_RELENT, 16),
                        (DT_RELCOUNT, relative_count), (DT_TEXTREL, 0)]
    dyn_entries += [(DT_SYMTAB, dynsym_off), (DT_SYMENT, 24), (DT_STRTAB, dynstr_off),
                    (DT_STRSZ, len(dynstr))]
    if relbytes:
        dyn_entries.append((DT_FLAGS, DF_TEXTREL))
    dyn_entries.append((DT_NULL, 0))
    assert len(dyn_entries) == n_dyn
    dynamic = b"".join(struct.pack("<qQ", t, v) for t, v in dyn_entries)

    # ---- section name table and file assembly
    out_sections = [(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text_off, bytes(text), 0, 0, 8, 0)]
    if has_rodata:
        out_sections.append((".rodata", SHT_PROGBITS, SHF_ALLOC, rodata_off, bytes(rodata), 0, 0, 16, 0))
    dynsym_index_out = len(out_sections) + 2
    dynstr_index_out = len(out_sections) + 3
    out_sections += [
        (".dynamic", SHT_DYNAMIC, SHF_ALLOC | SHF_WRITE, dynamic_off, dynamic, dynstr_index_out, 0, 8, 16),
        (".dynsym", SHT_DYNSYM, SHF_ALLOC, dynsym_off, bytes(dynsym), dynstr_index_out, 1, 8, 24),
        (".dynstr", SHT_STRTAB, SHF_ALLOC, dynstr_off, bytes(dynstr), 0, 0, 1, 0),
    ]
    if relbytes:
        out_sections.append((".rel.dyn", SHT_REL, SHF_ALLOC, reldyn_off, relbytes, dynsym_index_out, 0, 8, 16))
    shstrtab = bytearray(b"\0")
    name_pos = {}
    for name in [s[0] for s in out_sections] + [".shstrtab"]:
        name_pos[name] = len(shstrtab)
        shstrtab += name.encode() + b"\0"
    last = out_sections[-1]
    shstrtab_off = last[3] + len(last[4])
    shoff = align(shstrtab_off + len(shstrtab), 8)
    shnum = len(out_sections) + 2

    out = bytearray(shoff + shnum * 64)
    for name, _t, _f, off, body, *_ in out_sections:
        out[off:off + len(body)] = body
    out[shstrtab_off:shstrtab_off + len(shstrtab)] = shstrtab

    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    out[0:64] = ident + struct.pack("<HHIQQQIHHHHHH", ET_DYN, EM_BPF, 1, entry_addr, 64, shoff, 0, 64, 56, 3,
                                    64, shnum, shnum - 1)
    dyn_end = reldyn_off + len(relbytes) if relbytes else dynstr_off + len(dynstr)
    phdrs = [
        (PT_LOAD, PF_R | PF_X, text_off, ro_end - text_off),
        (PT_LOAD, PF_R, dynamic_off, dyn_end - dynamic_off),
        (PT_DYNAMIC, PF_R | PF_W, dynamic_off, len(dynamic)),
    ]
    for i, (ptype, flags, off, size) in enumerate(phdrs):
        struct.pack_into("<IIQQQQQQ", out, 64 + i * 56, ptype, flags, off, off, off, size, size, 8)

    headers = [(0, 0, 0, 0, 0, 0, 0, 0, 0)] + [
        (name_pos[name], t, f, off, off, len(body), link, info, al, es)
        for name, t, f, off, body, link, info, al, es in out_sections
    ] + [(name_pos[".shstrtab"], SHT_STRTAB, 0, 0, shstrtab_off, len(shstrtab), 0, 0, 1, 0)]
    for i, h in enumerate(headers):
        if len(h) == 9:
            h = (0,) * 10
        name, t, f, addr, off, size, link, info, al, es = h
        struct.pack_into("<IIQQQQIIQQ", out, shoff + i * 64, name, t, f, addr, off, size, link, info, al, es)
    return bytes(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Link a BPF object into an SBPFv0 Solana program.")
    parser.add_argument("input")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    try:
        with open(args.input, "rb") as f:
            data = f.read()
        result = link(data)
    except LinkError as e:
        print(f"link.py: error: {args.input}: {e}", file=sys.stderr)
        return 1
    with open(args.output, "wb") as f:
        f.write(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
