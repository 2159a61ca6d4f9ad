using System.Buffers;
using Npgsql;
using NpgsqlTypes;

namespace ClinicChat.Attachments;

/// <summary>
/// Attachments in PostgreSQL, the default: rows of attachment_chunks of <see cref="ChunkSize"/> bytes each (the
/// last one shorter), so that a file goes in and out one chunk at a time and is backed up with everything else.
/// The chunks belong to the attachments row (on delete cascade).
/// </summary>
public sealed class PostgresAttachmentStore(NpgsqlDataSource dataSource) : IAttachmentStore
{
    /// <summary>Fixed for stored data: a read finds byte N in chunk N / ChunkSize.</summary>
    public const int ChunkSize = 256 * 1024;

    public async Task SaveAsync(Guid attachmentId, AttachmentPart part, Stream content, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var clear = new NpgsqlCommand("delete from attachment_chunks where attachment_id = $1 and part = $2", connection, transaction))
            {
                clear.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachmentId });
                clear.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PartName(part) });
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var insert = new NpgsqlCommand(
                "insert into attachment_chunks (attachment_id, part, n, data) values ($1, $2, $3, $4)", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachmentId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PartName(part) });
            var number = new NpgsqlParameter<int>();
            var data = new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea };
            insert.Parameters.Add(number);
            insert.Parameters.Add(data);
            for (var n = 0; ; n++)
            {
                var filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken);
                if (filled == 0)
                {
                    break;
                }

                number.TypedValue = n;
                data.TypedValue = buffer.AsMemory(0, filled);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                if (filled < ChunkSize)
                {
                    break;
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<Stream?> OpenReadAsync(Guid attachmentId, AttachmentPart part, long length, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select count(*) from attachment_chunks where attachment_id = $1 and part = $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachmentId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = PartName(part) });
        var chunks = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return chunks == 0 && length > 0 ? null : new ChunkStream(dataSource, attachmentId, PartName(part), length);
    }

    public async Task DeleteAsync(Guid attachmentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("delete from attachment_chunks where attachment_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachmentId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string PartName(AttachmentPart part) => part == AttachmentPart.File ? "file" : "thumbnail";

    /// <summary>
    /// A read-only, seekable view of the chunks that holds one chunk at a time and a pooled connection only while
    /// fetching it, so a slow download ties up neither memory nor the connection pool.
    /// </summary>
    private sealed class ChunkStream(NpgsqlDataSource dataSource, Guid attachmentId, string part, long length) : Stream
    {
        private const string ChunkSql = "select data from attachment_chunks where attachment_id = $1 and part = $2 and n = $3";

        private byte[]? _chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        private int _chunkNumber = -1;
        private int _chunkLength;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!Prepare(out var n))
            {
                return 0;
            }

            if (n != _chunkNumber)
            {
                using var command = ChunkCommand(n);
                using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
                Load(reader.Read() ? reader : null, n);
            }

            return CopyOut(buffer);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!Prepare(out var n))
            {
                return 0;
            }

            if (n != _chunkNumber)
            {
                await using var command = ChunkCommand(n);
                await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
                Load(await reader.ReadAsync(cancellationToken) ? reader : null, n);
            }

            return CopyOut(buffer.Span);
        }

        private bool Prepare(out int chunkNumber)
        {
            ObjectDisposedException.ThrowIf(_chunk is null, this);
            chunkNumber = (int)(_position / ChunkSize);
            return _position < length;
        }

        private NpgsqlCommand ChunkCommand(int n)
        {
            var command = dataSource.CreateCommand(ChunkSql);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = attachmentId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = part });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = n });
            return command;
        }

        private void Load(NpgsqlDataReader? reader, int n)
        {
            if (reader is null)
            {
                throw new IOException($"Attachment {attachmentId} is missing chunk {n} of its {part}.");
            }

            _chunkLength = (int)reader.GetBytes(0, 0, _chunk, 0, ChunkSize);
            _chunkNumber = n;
        }

        private int CopyOut(Span<byte> buffer)
        {
            var offset = (int)(_position - (long)_chunkNumber * ChunkSize);
            var available = Math.Min(_chunkLength - offset, (int)Math.Min(int.MaxValue, length - _position));
            if (available <= 0)
            {
                throw new IOException($"Attachment {attachmentId} has fewer stored bytes than its recorded size.");
            }

            var count = Math.Min(available, buffer.Length);
            _chunk.AsSpan(offset, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (_chunk is { } chunk)
            {
                _chunk = null;
                ArrayPool<byte>.Shared.Return(chunk);
            }

            base.Dispose(disposing);
        }
    }
}
