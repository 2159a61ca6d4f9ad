import { describe, expect, it } from "vitest";
import { formatCountdown, formatDuration, formatIdr, messagePreview } from "./format";

describe("formatIdr", () => {
  it("formats a doctor's fee the Indonesian way", () => {
    expect(formatIdr(150000)).toBe("Rp 150.000");
  });

  it("groups millions with dots and shows no decimals", () => {
    expect(formatIdr(1250000)).toBe("Rp 1.250.000");
  });

  it("shows a free consultation as zero rupiah", () => {
    expect(formatIdr(0)).toBe("Rp 0");
  });
});

describe("formatCountdown", () => {
  it("shows minutes and seconds", () => {
    expect(formatCountdown(299)).toBe("4:59");
  });

  it("never goes below zero", () => {
    expect(formatCountdown(-5)).toBe("0:00");
  });

  it("shows hours when the session is long", () => {
    expect(formatCountdown(3725)).toBe("1:02:05");
  });
});

describe("durations", () => {
  it("reads naturally from seconds to hours", () => {
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(179)).toBe("3 min");
    expect(formatDuration(3600)).toBe("1 h");
    expect(formatDuration(7500)).toBe("2 h 5 min");
  });
});

describe("messagePreview", () => {
  const base = { text: null, deletedAt: null };
  it("shows the text, else what the message carries", () => {
    expect(messagePreview({ ...base, text: "Halo" })).toBe("Halo");
    expect(messagePreview({ ...base, text: "Halo", deletedAt: "2026-01-01T00:00:00Z" })).toBe("Message deleted");
    expect(messagePreview({ ...base, attachments: [{ fileName: "a.jpg", contentType: "image/jpeg" }] })).toBe("📷 Photo");
    expect(messagePreview({ ...base, attachments: [{ fileName: "hasil.pdf", contentType: "application/pdf" }] })).toBe("📎 hasil.pdf");
    expect(messagePreview({ ...base, attachments: [{ fileName: "a.jpg", contentType: "image/jpeg" }, { fileName: "b.pdf", contentType: "application/pdf" }] })).toBe("📎 2 attachments");
    expect(messagePreview(base)).toBe("");
  });
});
