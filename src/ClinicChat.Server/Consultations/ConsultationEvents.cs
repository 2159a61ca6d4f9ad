using ClinicChat.Infrastructure;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using Npgsql;

namespace ClinicChat.Consultations;

public enum NoticeKind
{
    /// <summary>Paid: the doctor gets consultationRequested, the patient consultationUpdated.</summary>
    Requested,

    /// <summary>consultationUpdated to the patient, and to the doctor once it was ever paid.</summary>
    Updated,

    /// <summary>consultationExpiring to both.</summary>
    Expiring,
}

/// <summary>Something to tell clients once the transaction that caused it has committed.</summary>
/// <remarks>The system note a change wrote is published by <see cref="SystemNotes"/>, before this notice.</remarks>
public sealed record ConsultationNotice(Guid ConsultationId, NoticeKind Kind);

/// <summary>
/// Publishes after commit, never inside a transaction: a rolled-back change must not have been announced.
/// Publishing is best effort; a client that missed an event reads the state over REST or Sync.
/// </summary>
public sealed partial class ConsultationEvents(NpgsqlDataSource dataSource, ConsultationReader reader, ChatNotifier notifier, ILogger<ConsultationEvents> logger)
{
    public async Task PublishAsync(IReadOnlyCollection<ConsultationNotice> notices, CancellationToken cancellationToken)
    {
        if (notices.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var notice in notices)
        {
            try
            {
                if (await reader.FindAsync(connection, null, notice.ConsultationId, cancellationToken) is not { } dto)
                {
                    continue;
                }

                var patient = notifier.User(dto.PatientId);
                var doctor = notifier.User(dto.DoctorId);
                var doctorView = dto.ForViewer(dto.DoctorId);
                switch (notice.Kind)
                {
                    case NoticeKind.Requested:
                        await doctor.ConsultationRequested(doctorView);
                        await patient.ConsultationUpdated(dto);
                        break;
                    case NoticeKind.Expiring:
                        await patient.ConsultationExpiring(dto);
                        await doctor.ConsultationExpiring(doctorView);
                        break;
                    default:
                        await patient.ConsultationUpdated(dto);
                        if (dto.ConversationId is not null)
                        {
                            await doctor.ConsultationUpdated(doctorView);
                        }

                        break;
                }
            }
            catch (Exception e) when (BestEffort.Tolerates(e))
            {
                LogPublishFailed(e, notice.ConsultationId, notice.Kind);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Kind} for consultation {ConsultationId}")]
    private partial void LogPublishFailed(Exception exception, Guid consultationId, NoticeKind kind);
}
