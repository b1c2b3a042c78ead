package dev.easel.project;

import dev.easel.mail.Letter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The email that tells an invited person of an invitation: who invites them to which project with
 * which role, the link that accepts it, the address to sign in with and when the link expires.
 * Names are user input: each is put on one line (no line breaks reach a header or the text) and
 * shortened, and escaped in the HTML.
 */
final class InvitationLetter {
  /** Longest inviter or project name shown in the subject; longer ones end with "…". */
  static final int SUBJECT_NAME = 60;

  private static final DateTimeFormatter EXPIRES =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private InvitationLetter() {}

  /** The letter to {@code email}; {@code acceptUrl} holds the token, so the letter is a secret. */
  static Letter compose(
      String invitationId,
      String projectId,
      String inviterName,
      String projectName,
      ProjectRole role,
      String email,
      String acceptUrl,
      Instant expiresAt) {
    String inviter = Letter.oneLine(inviterName);
    if (inviter.isEmpty()) inviter = "A member of Easel";
    String project = Letter.oneLine(projectName);
    String roleName = Projects.wireName(role);
    String asRole = article(roleName) + " " + roleName;
    String expires = EXPIRES.format(expiresAt);
    String subject =
        shorten(inviter) + " invited you to the project \"" + shorten(project) + "\" on Easel";
    String text =
        String.join(
            "\n",
            "Hello,",
            "",
            inviter
                + " invited you to join the project \""
                + project
                + "\" on Easel as "
                + asRole
                + ": you will be able to "
                + abilities(role)
                + ".",
            "",
            "To accept, open this link and sign in (or sign up) with this address, " + email + ":",
            "",
            acceptUrl,
            "",
            "The link works once and expires on " + expires + ".",
            "",
            "If you did not expect this invitation, ignore this email: nothing happens unless the"
                + " link is opened by someone signed in with your address.",
            "",
            "-- ",
            "Easel",
            "");
    String html =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            + Letter.escapeHtml(subject)
            + "</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.5\">\n"
            + "<p>Hello,</p>\n<p>"
            + Letter.escapeHtml(inviter)
            + " invited you to join the project <strong>"
            + Letter.escapeHtml(project)
            + "</strong> on Easel as "
            + asRole
            + ": you will be able to "
            + abilities(role)
            + ".</p>\n<p><a href=\""
            + Letter.escapeHtml(acceptUrl)
            + "\">Accept the invitation</a></p>\n<p>Sign in (or sign up) with this address, "
            + Letter.escapeHtml(email)
            + ". The link works once and expires on "
            + expires
            + ". If the link does not open, copy it into your browser:<br>\n"
            + Letter.escapeHtml(acceptUrl)
            + "</p>\n<p>If you did not expect this invitation, ignore this email: nothing happens"
            + " unless the link is opened by someone signed in with your address.</p>\n"
            + "</body></html>\n";
    return new Letter(
        email, subject, text, html, "invitation " + invitationId + " to project " + projectId);
  }

  /** What the role lets a member do, to follow "you will be able to". */
  private static String abilities(ProjectRole role) {
    return switch (role) {
      case OWNER -> "edit its canvases and manage the project and its members";
      case EDITOR -> "edit and run its canvases";
      case COMMENTER -> "read and comment on its canvases";
      case VIEWER -> "read its canvases";
    };
  }

  private static String article(String word) {
    return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
  }

  private static String shorten(String name) {
    if (name.codePointCount(0, name.length()) <= SUBJECT_NAME) return name;
    return name.substring(0, name.offsetByCodePoints(0, SUBJECT_NAME - 1)) + "…";
  }
}
