// MSBuild task (compiled by RoslynCodeTaskFactory, see Directory.Build.targets) that makes one
// symbol-version requirement of an ELF shared library *weak*.
//
// Why: TorchSharp's libLibTorchSharp.so is linked against GCC 13's libstdc++ and so lists
// GLIBCXX_3.4.32 in its .gnu.version_r section, for a single symbol (_ZSt21ios_base_library_initv)
// that is a link-time anchor and never called. Debian 12 and Ubuntu 22.04 ship GLIBCXX_3.4.30, and
// the dynamic loader refuses a library that needs a version the system does not define -- unless
// that requirement carries VER_FLG_WEAK, in which case the loader only warns (and only with
// LD_DEBUG). Setting that flag on the copy in the build output lets the library load everywhere;
// where the version exists the flag changes nothing.
//
// Contract: only the vna_flags field (2 bytes) of the named Vernaux entries is written, in place;
// the file size and every other byte stay the same. Running it again changes nothing (idempotent).
// A file that is not a little-endian ELF64 library fails loudly, naming the file.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Cora.Build;

public sealed class WeakenElfVersionNeed : Microsoft.Build.Utilities.Task
{
    /// <summary>The ELF shared libraries to patch (missing files are skipped).</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version name whose requirement becomes weak, e.g. GLIBCXX_3.4.32.</summary>
    [Required]
    public string Version { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                var result = Patch(path, Version);
                if (result == PatchResult.Patched)
                    Log.LogMessage(MessageImportance.Normal, $"Marked the {Version} requirement of {path} weak.");
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                Log.LogError($"Cannot patch {path}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    public enum PatchResult { NotRequired, AlreadyWeak, Patched }

    public const ushort VerFlagWeak = 0x2;
    const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>Marks every requirement of <paramref name="version"/> in <paramref name="path"/> weak.</summary>
    public static PatchResult Patch(string path, string version)
    {
        var needs = ReadVersionNeeds(path);
        var matching = needs.FindAll(n => n.Name == version);
        if (matching.Count == 0) return PatchResult.NotRequired;
        if (matching.TrueForAll(n => (n.Flags & VerFlagWeak) != 0)) return PatchResult.AlreadyWeak;

        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        foreach (var need in matching)
        {
            var flags = (ushort)(need.Flags | VerFlagWeak);
            stream.Position = need.FlagsOffset;
            stream.Write(new[] { (byte)(flags & 0xff), (byte)(flags >> 8) }, 0, 2);
        }
        return PatchResult.Patched;
    }

    /// <summary>One Vernaux entry: a version required from a needed library.</summary>
    /// <remarks>A class, not a record: RoslynCodeTaskFactory compiles against netstandard2.0.</remarks>
    public sealed class VersionNeed
    {
        public VersionNeed(string file, string name, ushort flags, long flagsOffset)
        {
            File = file; Name = name; Flags = flags; FlagsOffset = flagsOffset;
        }
        public string File { get; }
        public string Name { get; }
        public ushort Flags { get; }
        public long FlagsOffset { get; }
    }

    /// <summary>Lists the .gnu.version_r requirements of a little-endian ELF64 file.</summary>
    public static List<VersionNeed> ReadVersionNeeds(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 is supported");

        var shoff = Checked(ReadU64(bytes, 0x28), bytes, "section header table");
        int shentsize = ReadU16(bytes, 0x3A), shnum = ReadU16(bytes, 0x3C);
        if (shentsize < 64 || shoff + (long)shentsize * shnum > bytes.Length)
            throw new InvalidDataException("section header table lies outside the file");

        var result = new List<VersionNeed>();
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + (long)i * shentsize;
            if (ReadU32(bytes, sh + 4) != ShtGnuVerneed) continue;
            var offset = Checked(ReadU64(bytes, sh + 0x18), bytes, ".gnu.version_r");
            var count = ReadU32(bytes, sh + 0x2C);
            var link = ReadU32(bytes, sh + 0x28);
            if (link >= shnum) throw new InvalidDataException(".gnu.version_r links to a missing string table");
            var strtab = Checked(ReadU64(bytes, shoff + (long)link * shentsize + 0x18), bytes, "string table");

            var need = offset;
            for (var n = 0; n < count; n++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                int auxCount = ReadU16(bytes, need + 2);
                var file = ReadString(bytes, strtab + ReadU32(bytes, need + 4));
                var aux = need + ReadU32(bytes, need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    var name = ReadString(bytes, strtab + ReadU32(bytes, aux + 8));
                    result.Add(new VersionNeed(file, name, ReadU16(bytes, aux + 4), aux + 4));
                    var nextAux = ReadU32(bytes, aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                var next = ReadU32(bytes, need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return result;
    }

    static long Checked(ulong offset, byte[] bytes, string what) =>
        offset < (ulong)bytes.Length ? (long)offset : throw new InvalidDataException($"{what} offset {offset} lies outside the file");

    static void Need(byte[] b, long at, int n)
    {
        if (at < 0 || at + n > b.Length) throw new InvalidDataException($"truncated ELF file (read of {n} bytes at {at})");
    }

    static ushort ReadU16(byte[] b, long at) { Need(b, at, 2); return (ushort)(b[at] | b[at + 1] << 8); }
    static uint ReadU32(byte[] b, long at) { Need(b, at, 4); return BitConverter.ToUInt32(b, (int)at); }
    static ulong ReadU64(byte[] b, long at) { Need(b, at, 8); return BitConverter.ToUInt64(b, (int)at); }

    static string ReadString(byte[] b, long at)
    {
        Need(b, at, 1);
        var end = at;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }
}
