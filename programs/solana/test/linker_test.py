"""Tests for link.py: the produced ELF has the shape the SBPFv0 loader expects,
and objects outside the supported model are refused with a clear message.

Run: python3 -m unittest discover -s programs/solana/test -p 'linker_test.py'
Needs build/escrow.o (build.sh) and a clang able to target BPF.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
import link  # noqa: E402

OBJ = os.path.join(ROOT, "build", "escrow.o")
CLANG = next((c for c in ("clang-22", "clang-14", "clang") if shutil.which(c)), None)
BPF_FLAGS = ["-target", "bpfel", "-mcpu=v2", "-O2", "-ffreestanding", "-nostdlib", "-fno-builtin",
             "-fno-stack-protector", "-c"]


def parse(elf):
    """Minimal reader for the linker's output: header, sections by name, dynamic table."""
    e_type, e_machine, _v, e_entry, e_phoff, e_shoff, e_flags, _eh, _phentsize, e_phnum, _shentsize, e_shnum, e_shstrndx = \
        struct.unpack_from("<HHIQQQIHHHHHH", elf, 16)
    raw = [struct.unpack_from("<IIQQQQIIQQ", elf, e_shoff + i * 64) for i in range(e_shnum)]
    strtab = raw[e_shstrndx]
    names = elf[strtab[4]:strtab[4] + strtab[5]]
    sections = {}
    order = []
    for s in raw[1:]:
        name = names[s[0]:names.index(b"\0", s[0])].decode()
        sections[name] = dict(type=s[1], flags=s[2], addr=s[3], offset=s[4], size=s[5])
        order.append(name)
    phdrs = [struct.unpack_from("<IIQQQQQQ", elf, e_phoff + i * 56) for i in range(e_phnum)]
    dyn = {}
    d = sections[".dynamic"]
    for off in range(d["offset"], d["offset"] + d["size"], 16):
        tag, val = struct.unpack_from("<qQ", elf, off)
        if tag == 0:
            break
        dyn[tag] = val
    return dict(type=e_type, machine=e_machine, entry=e_entry, flags=e_flags, sections=sections, order=order,
                phdrs=phdrs, dyn=dyn, ident=elf[:16])


def dynsyms(elf, info):
    sym, strs = info["sections"][".dynsym"], info["sections"][".dynstr"]
    strtab = elf[strs["offset"]:strs["offset"] + strs["size"]]
    out = []
    for off in range(sym["offset"], sym["offset"] + sym["size"], 24):
        name, st_info, _o, shndx, value, _size = struct.unpack_from("<IBBHQQ", elf, off)
        out.append(dict(name=strtab[name:strtab.index(b"\0", name)].decode(), info=st_info, shndx=shndx, value=value))
    return out


def relocations(elf, info):
    rel = info["sections"][".rel.dyn"]
    return [(o, i >> 32, i & 0xFFFFFFFF) for o, i in
            (struct.unpack_from("<QQ", elf, off) for off in range(rel["offset"], rel["offset"] + rel["size"], 16))]


@unittest.skipUnless(os.path.exists(OBJ), "build/escrow.o missing: run build.sh first")
class LinkedProgramTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(OBJ, "rb") as f:
            cls.elf = link.link(f.read())
        cls.info = parse(cls.elf)

    def test_Header_IsSbpfV0SharedObjectForBpf(self):
        i = self.info
        self.assertEqual(i["ident"][:4], b"\x7fELF")
        self.assertEqual(i["ident"][4:7], bytes([2, 1, 1]))  # 64-bit, LE, version 1
        self.assertEqual(i["ident"][7], 0)  # OSABI none
        self.assertEqual(i["type"], 3)  # ET_DYN
        self.assertEqual(i["machine"], 247)  # EM_BPF
        self.assertEqual(i["flags"], 0)  # SBPFv0

    def test_Sections_InFileOrder_AddressEqualsOffset(self):
        s = self.info["sections"]
        self.assertEqual(self.info["order"], [".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"])
        for name in self.info["order"][:-1]:
            self.assertEqual(s[name]["addr"], s[name]["offset"], name)
        offsets = [s[n]["offset"] for n in self.info["order"]]
        self.assertEqual(offsets, sorted(offsets))
        self.assertEqual(s[".text"]["size"] % 8, 0)

    def test_Entrypoint_ExportedAndIsEntryAddress(self):
        syms = dynsyms(self.elf, self.info)
        entry = [x for x in syms if x["name"] == "entrypoint"]
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry[0]["value"], self.info["entry"])
        text = self.info["sections"][".text"]
        self.assertTrue(text["addr"] <= self.info["entry"] < text["addr"] + text["size"])
        self.assertEqual((self.info["entry"] - text["addr"]) % 8, 0)

    def test_DynamicTable_PointsAtRelDynSymtabStrtab(self):
        s, d = self.info["sections"], self.info["dyn"]
        self.assertEqual(d[17], s[".rel.dyn"]["addr"])  # DT_REL
        self.assertEqual(d[18], s[".rel.dyn"]["size"])  # DT_RELSZ
        self.assertEqual(d[19], 16)  # DT_RELENT
        self.assertEqual(d[6], s[".dynsym"]["addr"])  # DT_SYMTAB
        self.assertEqual(d[5], s[".dynstr"]["addr"])  # DT_STRTAB
        types = [p[0] for p in self.info["phdrs"]]
        self.assertEqual(types, [1, 1, 2])  # PT_LOAD, PT_LOAD, PT_DYNAMIC
        self.assertEqual(self.info["phdrs"][2][2], s[".dynamic"]["offset"])

    def test_Relocations_SyscallsAndRelativeOnly(self):
        text, rodata = self.info["sections"][".text"], self.info["sections"][".rodata"]
        syms = dynsyms(self.elf, self.info)
        seen = set()
        for off, sym, typ in relocations(self.elf, self.info):
            self.assertIn(typ, (8, 10))
            if typ == 10:  # R_BPF_64_32: call imm=-1 against an undefined syscall symbol
                self.assertEqual(self.elf[off], 0x85)
                self.assertEqual(struct.unpack_from("<i", self.elf, off + 4)[0], -1)
                self.assertEqual(syms[sym]["shndx"], 0)
                self.assertIn(syms[sym]["name"], link.SYSCALLS)
                seen.add(syms[sym]["name"])
            elif text["offset"] <= off < text["offset"] + text["size"]:  # lddw to a file offset
                self.assertEqual(self.elf[off], 0x18)
                lo, hi = struct.unpack_from("<I", self.elf, off + 4)[0], struct.unpack_from("<I", self.elf, off + 12)[0]
                addr = lo | (hi << 32)
                self.assertTrue(text["addr"] <= addr < rodata["addr"] + rodata["size"], hex(addr))
            else:  # pointer inside .rodata: target in the upper half for the loader
                self.assertTrue(rodata["offset"] <= off < rodata["offset"] + rodata["size"])
        self.assertTrue({"sol_invoke_signed_c", "sol_keccak256", "sol_log_data"} <= seen)

    def test_InternalCalls_PcRelativeWithinText(self):
        text = self.info["sections"][".text"]
        count = text["size"] // 8
        body = self.elf[text["offset"]:text["offset"] + text["size"]]
        internal = 0
        for i in range(count):
            if body[i * 8] == 0x85:
                imm = struct.unpack_from("<i", body, i * 8 + 4)[0]
                if imm != -1:
                    internal += 1
                    self.assertEqual(body[i * 8 + 1] >> 4, 1)
                    self.assertTrue(0 <= i + 1 + imm < count)
        self.assertGreater(internal, 0)


@unittest.skipUnless(CLANG, "no clang")
class RefusedInputTests(unittest.TestCase):
    def compile(self, source, target=None):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        src, obj = os.path.join(tmp, "t.c"), os.path.join(tmp, "t.o")
        with open(src, "w") as f:
            f.write(source)
        flags = ["-target", target, "-O2", "-c"] if target else BPF_FLAGS
        subprocess.run([CLANG, *flags, src, "-o", obj], check=True, capture_output=True)
        with open(obj, "rb") as f:
            return f.read()

    def assertRefused(self, data, fragment):
        with self.assertRaises(link.LinkError) as ctx:
            link.link(data)
        self.assertIn(fragment, str(ctx.exception))

    def test_NotElf_Refused(self):
        self.assertRefused(b"hello world" * 10, "not an ELF file")

    def test_X86Object_Refused(self):
        self.assertRefused(self.compile("int entrypoint(void){return 0;}", target="x86_64-linux-gnu"), "not a BPF object")

    def test_SharedObject_Refused(self):
        good = self.compile("unsigned long long entrypoint(const unsigned char *in){return in[0];}")
        self.assertRefused(link.link(good), "not a relocatable object")

    def test_MissingEntrypoint_Refused(self):
        self.assertRefused(self.compile("unsigned long long process(const unsigned char *in){return in[0];}"),
                           "no global `entrypoint`")

    def test_MutableGlobal_Refused(self):
        src = "unsigned long long counter;\nunsigned long long entrypoint(const unsigned char *in){return ++counter;}"
        self.assertRefused(self.compile(src), "writable section")

    def test_CallToLibcFunction_Refused(self):
        src = "unsigned long strlen(const char*);\nunsigned long long entrypoint(const char *in){return strlen(in);}"
        self.assertRefused(self.compile(src), "not a Solana syscall")

    def test_UnsupportedRelocationType_Refused(self):
        src = ('static const char msg[] = "hi";\nvoid sol_log_(const char*, unsigned long long);\n'
               "unsigned long long entrypoint(const char *in){sol_log_(msg, 2); return 0;}")
        data = bytearray(self.compile(src))
        obj = link.Obj(bytes(data))
        rel = next(s for s in obj.sections if s["name"] == ".rel.text")
        patched = False
        for off in range(rel["offset"], rel["offset"] + rel["size"], 16):
            if data[off + 8] == 1:  # R_BPF_64_64 -> R_BPF_64_ABS32
                data[off + 8] = 3
                patched = True
        self.assertTrue(patched)
        self.assertRefused(bytes(data), "unsupported relocation R_BPF_64_ABS32")

    def test_Cli_ReportsErrorAndExitsNonZero(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        bad = os.path.join(tmp, "bad.o")
        with open(bad, "wb") as f:
            f.write(b"not elf")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "link.py"), bad, "-o", os.path.join(tmp, "x.so")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("error", r.stderr)
        self.assertIn("not an ELF file", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(tmp, "x.so")))


if __name__ == "__main__":
    unittest.main()
