using System.Buffers.Binary;
using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;

namespace SmolLM3.Engine.Model;

/// <summary>
/// The second tier of a <see cref="KvBlockPool"/> that shares prefixes: content-addressed blocks the pool takes back
/// are written here, one file per block named by its address, and a sequence whose next blocks are here loads them
/// instead of computing them. Files live in a folder per address root (model, compute and KV type, block size), so a
/// store never reads another model's blocks; other roots' folders are removed when a store opens. The newest files
/// are kept within <see cref="BudgetBytes"/>. Each file carries the block's address, parent address and token ids
/// under a header checksum and its keys and values under a payload checksum: a file that is missing, truncated,
/// corrupt or for other tokens is dropped and the block recomputed, never used. A failing volume (full, read-only,
/// gone) turns spilling off (<see cref="Fault"/>); the pool keeps serving from memory. Thread-safe.
/// </summary>
public sealed class KvSpillStore
{
    const ulong Magic = 0x314C_5053_564B_4D53;   // "SMKVSPL1"
    const string Extension = ".kvb";
    const int HashBytes = SHA256.HashSizeInBytes;

    readonly Lock _lock = new();
    readonly Dictionary<UInt128, LinkedListNode<(UInt128 Address, long Bytes)>> _files = [];
    readonly LinkedList<(UInt128 Address, long Bytes)> _lru = new();   // least recently used first
    readonly string _folder;
    long _bytes, _writes, _reads, _rejected;

    /// <summary>Called with a message and the exception when a file is rejected or the volume fails (for the owner's log).</summary>
    public event Action<string, Exception?>? Warning;

    public UInt128 Root { get; }
    public long BudgetBytes { get; }

    /// <summary>Why spilling stopped (null while it works): files are then neither written nor read.</summary>
    public string? Fault { get; private set; }

    /// <summary>
    /// Opens the store for blocks under <paramref name="root"/> in <paramref name="folder"/> (made if missing), keeping
    /// the files a previous process left there within <paramref name="budgetBytes"/>.
    /// </summary>
    public KvSpillStore(string folder, UInt128 root, long budgetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budgetBytes, 1);
        (Root, BudgetBytes) = (root, budgetBytes);
        _folder = Path.Combine(folder, Hex(root));
        try
        {
            Directory.CreateDirectory(_folder);
            RemoveOtherRoots(folder);
            foreach (var file in new DirectoryInfo(_folder).EnumerateFiles("*" + Extension).OrderBy(f => f.LastWriteTimeUtc))
                if (TryParse(Path.GetFileNameWithoutExtension(file.Name), out var address)) Add(address, file.Length);
                else file.Delete();
            foreach (var partial in Directory.EnumerateFiles(_folder, "*.tmp")) File.Delete(partial);   // a write a crash cut short
            TrimLocked();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Disable("cannot open the spill folder", e);
        }
    }

    public KvSpillStats Stats
    {
        get { lock (_lock) return new KvSpillStats(_files.Count, _bytes, _writes, _reads, _rejected, Fault); }
    }

    /// <summary>Whether a block with this address may be here (reading it still checks it).</summary>
    public bool Contains(UInt128 address)
    {
        lock (_lock) return Fault is null && _files.ContainsKey(address);
    }

    /// <summary>
    /// Writes one block: its <paramref name="address"/>, the <paramref name="parent"/> address it follows, its token
    /// <paramref name="ids"/> and its keys and values (<paramref name="payload"/>). Does nothing once the store failed
    /// or when the block is here already. Oldest files go when the budget is exceeded.
    /// </summary>
    public void Write(UInt128 address, UInt128 parent, ReadOnlySpan<int> ids, ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            if (Fault is not null) return;
            if (_files.TryGetValue(address, out var node))
            {
                Touch(node);
                return;
            }
            var header = Header(address, parent, ids, payload);
            long size = header.Length + payload.Length;
            if (size > BudgetBytes) return;
            string path = PathOf(address), partial = path + ".tmp";
            try
            {
                // written aside and renamed: a crash leaves a .tmp, never a named file cut short
                using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    stream.Write(header);
                    stream.Write(payload);
                }
                File.Move(partial, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryDelete(partial);
                Disable($"cannot write KV block {Hex(address)}", e);
                return;
            }
            _writes++;
            Add(address, size);
            TrimLocked();
        }
    }

    /// <summary>
    /// Hands the keys and values of the block <paramref name="address"/> to <paramref name="read"/> and returns true when
    /// its file is whole and holds exactly <paramref name="ids"/> after <paramref name="parent"/> in
    /// <paramref name="payloadBytes"/> bytes; otherwise drops the file (with a warning unless it was simply not here).
    /// </summary>
    public bool TryRead(UInt128 address, UInt128 parent, ReadOnlySpan<int> ids, long payloadBytes, KvSpillReader read)
    {
        lock (_lock)
        {
            if (Fault is not null || !_files.TryGetValue(address, out var node)) return false;
            string path = PathOf(address);
            string? problem;
            try { problem = ReadVerified(path, address, parent, ids, payloadBytes, read); }
            catch (FileNotFoundException) { problem = "the file is gone"; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = $"it cannot be read ({e.Message})";
            }
            if (problem is null)
            {
                _reads++;
                Touch(node);
                return true;
            }
            _rejected++;
            Remove(node);
            TryDelete(path);
            Warning?.Invoke($"spilled KV block {Hex(address)} not used, recomputed instead: {problem}", null);
            return false;
        }
    }

    unsafe string? ReadVerified(string path, UInt128 address, UInt128 parent, ReadOnlySpan<int> ids, long payloadBytes, KvSpillReader read)
    {
        long headerBytes = HeaderBytes(ids.Length);
        long length = new FileInfo(path).Length;
        if (length != headerBytes + payloadBytes) return $"it holds {length} bytes, not {headerBytes + payloadBytes}";
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            start += view.PointerOffset;
            var header = new ReadOnlySpan<byte>(start, (int)headerBytes);
            var payload = new ReadOnlySpan<byte>(start + headerBytes, (int)payloadBytes);
            if (!SHA256.HashData(header[..^HashBytes]).AsSpan().SequenceEqual(header[^HashBytes..])) return "its header checksum does not match";
            if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic) return "it is not a KV block file";
            if (BinaryPrimitives.ReadUInt128LittleEndian(header[8..]) != Root || BinaryPrimitives.ReadUInt128LittleEndian(header[24..]) != address
                || BinaryPrimitives.ReadUInt128LittleEndian(header[40..]) != parent)
                return "it belongs to another block";
            var fileIds = header.Slice(60, ids.Length * sizeof(int));
            for (int i = 0; i < ids.Length; i++)
                if (BinaryPrimitives.ReadInt32LittleEndian(fileIds[(i * sizeof(int))..]) != ids[i]) return "its token ids differ";
            var payloadHash = header.Slice(60 + ids.Length * sizeof(int) + 8, HashBytes);
            if (!SHA256.HashData(payload).AsSpan().SequenceEqual(payloadHash)) return "its payload checksum does not match";
            read(payload);
            return null;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>magic, root, address, parent, id count, ids, payload length, payload SHA-256, then SHA-256 of all that.</summary>
    byte[] Header(UInt128 address, UInt128 parent, ReadOnlySpan<int> ids, ReadOnlySpan<byte> payload)
    {
        var h = new byte[HeaderBytes(ids.Length)];
        var s = h.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s, Magic);
        BinaryPrimitives.WriteUInt128LittleEndian(s[8..], Root);
        BinaryPrimitives.WriteUInt128LittleEndian(s[24..], address);
        BinaryPrimitives.WriteUInt128LittleEndian(s[40..], parent);
        BinaryPrimitives.WriteInt32LittleEndian(s[56..], ids.Length);
        for (int i = 0; i < ids.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(s[(60 + i * sizeof(int))..], ids[i]);
        int at = 60 + ids.Length * sizeof(int);
        BinaryPrimitives.WriteInt64LittleEndian(s[at..], payload.Length);
        SHA256.HashData(payload, s.Slice(at + 8, HashBytes));
        SHA256.HashData(s[..^HashBytes], s[^HashBytes..]);
        return h;
    }

    static long HeaderBytes(int ids) => 60 + ids * sizeof(int) + 8 + 2 * HashBytes;

    void Add(UInt128 address, long bytes)
    {
        _files[address] = _lru.AddLast((address, bytes));
        _bytes += bytes;
    }

    void Touch(LinkedListNode<(UInt128, long)> node)
    {
        _lru.Remove(node);
        _lru.AddLast(node);
    }

    void Remove(LinkedListNode<(UInt128 Address, long Bytes)> node)
    {
        _lru.Remove(node);
        _files.Remove(node.Value.Address);
        _bytes -= node.Value.Bytes;
    }

    void TrimLocked()
    {
        while (_bytes > BudgetBytes && _lru.First is { } oldest)
        {
            Remove(oldest);
            TryDelete(PathOf(oldest.Value.Address));
        }
    }

    void Disable(string what, Exception e)
    {
        Fault = $"{what}: {e.Message}";
        Warning?.Invoke($"KV spill turned off, blocks are recomputed instead: {Fault}", e);
    }

    void RemoveOtherRoots(string folder)
    {
        foreach (var other in Directory.EnumerateDirectories(folder))
            if (Path.GetFileName(other) is var name && name != Hex(Root) && TryParse(name, out _))
                Directory.Delete(other, recursive: true);
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    string PathOf(UInt128 address) => Path.Combine(_folder, Hex(address) + Extension);

    static string Hex(UInt128 value) => value.ToString("x32", CultureInfo.InvariantCulture);

    static bool TryParse(string name, out UInt128 value) =>
        UInt128.TryParse(name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && name.Length == 32;
}

/// <summary>Receives a spilled block's keys and values, valid only during the call.</summary>
public delegate void KvSpillReader(ReadOnlySpan<byte> payload);

/// <summary>A snapshot of a <see cref="KvSpillStore"/>: files and bytes held, blocks written and read back, files rejected, and why it stopped (null: working).</summary>
public readonly record struct KvSpillStats(int Blocks, long Bytes, long Writes, long Reads, long Rejected, string? Fault);
