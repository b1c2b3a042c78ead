package dev.easel.gateway;

import com.linecorp.armeria.server.ServiceRequestContext;
import dev.easel.api.v1.AcceptInvitationRequest;
import dev.easel.api.v1.ActivityEntry;
import dev.easel.api.v1.AddMemberRequest;
import dev.easel.api.v1.ArchiveProjectRequest;
import dev.easel.api.v1.ChangeMemberRoleRequest;
import dev.easel.api.v1.CreateInvitationRequest;
import dev.easel.api.v1.CreateInvitationResponse;
import dev.easel.api.v1.CreateProjectCanvasRequest;
import dev.easel.api.v1.CreateProjectRequest;
import dev.easel.api.v1.DeleteProjectRequest;
import dev.easel.api.v1.DeleteProjectResponse;
import dev.easel.api.v1.GetProjectRequest;
import dev.easel.api.v1.Invitation;
import dev.easel.api.v1.ListInvitationsRequest;
import dev.easel.api.v1.ListInvitationsResponse;
import dev.easel.api.v1.ListProjectActivityRequest;
import dev.easel.api.v1.ListProjectActivityResponse;
import dev.easel.api.v1.ListProjectAuditEventsRequest;
import dev.easel.api.v1.ListProjectAuditEventsResponse;
import dev.easel.api.v1.ListProjectsRequest;
import dev.easel.api.v1.ListProjectsResponse;
import dev.easel.api.v1.Project;
import dev.easel.api.v1.ProjectAuditEvent;
import dev.easel.api.v1.ProjectCanvas;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.api.v1.RemoveMemberRequest;
import dev.easel.api.v1.RemoveMemberResponse;
import dev.easel.api.v1.RenameProjectRequest;
import dev.easel.api.v1.RevokeInvitationRequest;
import dev.easel.api.v1.RevokeInvitationResponse;
import dev.easel.api.v1.TransferOwnershipRequest;
import dev.easel.api.v1.UnarchiveProjectRequest;
import dev.easel.api.v1.UpdateProjectRequest;
import dev.easel.api.v1.WatchProjectActivityRequest;
import dev.easel.project.Invitations;
import dev.easel.project.People;
import dev.easel.project.ProjectActivity;
import dev.easel.project.ProjectAuditLog;
import dev.easel.project.ProjectEntity;
import dev.easel.project.ProjectRole;
import dev.easel.project.Projects;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code easel.v1.ProjectService}: projects of the signed-in caller, through {@link Projects},
 * {@link Invitations}, {@link ProjectActivity} and {@link ProjectAuditLog}, which decide what the
 * caller may do. Each change passes the request's {@link RequestOrigins origin}, which the
 * project's audit log keeps. Once a project is deleted, its data (dataset files, query databases)
 * is removed before the call is answered.
 */
final class ProjectServiceImpl extends ProjectServiceGrpc.ProjectServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ProjectServiceImpl.class);

  private final Projects projects;
  private final Function<String, CompletionStage<Void>> removeProjectData;
  private final Invitations invitations;
  private final ProjectActivity activity;
  private final ProjectAuditLog auditLog;
  private final Callers callers;
  private final Duration watchInterval;

  /**
   * @param watchInterval how often a {@code WatchProjectActivity} stream looks for new entries
   *     ({@code easel.projects.activity-watch-interval})
   */
  ProjectServiceImpl(
      Projects projects,
      Invitations invitations,
      ProjectActivity activity,
      ProjectAuditLog auditLog,
      Function<String, CompletionStage<Void>> removeProjectData,
      Callers callers,
      Duration watchInterval) {
    this.projects = projects;
    this.removeProjectData = removeProjectData;
    this.invitations = invitations;
    this.activity = activity;
    this.auditLog = auditLog;
    this.callers = callers;
    this.watchInterval = watchInterval;
  }

  @Override
  public void createProject(CreateProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.create(userId, request.getName(), request.getOrgId(), RequestOrigins.current()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void listProjects(
      ListProjectsRequest request, StreamObserver<ListProjectsResponse> response) {
    Caller caller = callers.current(response);
    if (caller == null) return;
    Replies.reply(
        projects.listFor(
            caller.userId(), request.getPageSize(), request.getPageToken(), caller::reaches),
        response,
        page -> {
          ListProjectsResponse.Builder reply =
              ListProjectsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (Projects.MemberView seen : page.items()) reply.addProjects(project(seen));
          return reply.build();
        });
  }

  @Override
  public void getProject(GetProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    Replies.reply(
        projects.get(userId, request.getProjectId()), response, seen -> tagged(ctx, seen));
  }

  @Override
  public void addMember(AddMemberRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.addMember(
            userId,
            request.getProjectId(),
            request.getEmail(),
            request.getRole(),
            RequestOrigins.current()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void createProjectCanvas(
      CreateProjectCanvasRequest request, StreamObserver<ProjectCanvas> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.createCanvas(
            userId, request.getProjectId(), request.getTitle(), null, RequestOrigins.current()),
        response,
        canvas ->
            ProjectCanvas.newBuilder()
                .setCanvasId(canvas.canvasId())
                .setProjectId(canvas.projectId())
                .setTitle(canvas.title())
                .setVersion(canvas.version())
                .build());
  }

  /** The fields of a project that UpdateProject changes. */
  private static final List<String> UPDATABLE = List.of("name");

  @Override
  public void updateProject(UpdateProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    Set<String> fields;
    String expectedEtag;
    try {
      fields =
          UpdateRequests.fields(
              request.getUpdateMask(),
              UpdateProjectRequest.getDescriptor(),
              UPDATABLE,
              field -> request.hasName());
      expectedEtag = UpdateRequests.expectedEtag(request.getEtag());
    } catch (StatusRuntimeException invalid) {
      response.onError(invalid);
      return;
    }
    Replies.reply(
        projects.update(
            userId,
            request.getProjectId(),
            fields.contains("name") ? request.getName() : null,
            expectedEtag,
            RequestOrigins.current()),
        response,
        seen -> tagged(ctx, seen));
  }

  @Override
  public void renameProject(RenameProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    String expectedEtag;
    try {
      expectedEtag = UpdateRequests.expectedEtag(request.getEtag());
    } catch (StatusRuntimeException invalid) {
      response.onError(invalid);
      return;
    }
    Replies.reply(
        projects.update(
            userId,
            request.getProjectId(),
            request.getName(),
            expectedEtag,
            RequestOrigins.current()),
        response,
        seen -> tagged(ctx, seen));
  }

  /** The project as the caller sees it, its etag also sent as the answer's ETag header. */
  private static Project tagged(ServiceRequestContext ctx, Projects.MemberView seen) {
    UpdateRequests.tagAnswer(ctx, seen.project().etag());
    return project(seen);
  }

  @Override
  public void archiveProject(ArchiveProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.setArchived(userId, request.getProjectId(), true, RequestOrigins.current()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void unarchiveProject(UnarchiveProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.setArchived(userId, request.getProjectId(), false, RequestOrigins.current()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void deleteProject(
      DeleteProjectRequest request, StreamObserver<DeleteProjectResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    String projectId = request.getProjectId();
    Replies.reply(
        projects
            .delete(userId, projectId, RequestOrigins.current())
            .thenCompose(
                deleted ->
                    removeProjectData
                        .apply(projectId)
                        .exceptionally(
                            failure -> {
                              // The project is deleted all the same; its files wait for an
                              // operator (docs/architecture.md, Datasets).
                              log.warn(
                                  "the data of deleted project {} is left behind",
                                  projectId,
                                  failure);
                              return null;
                            })),
        response,
        done -> DeleteProjectResponse.getDefaultInstance());
  }

  @Override
  public void changeMemberRole(ChangeMemberRoleRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.changeRole(
            userId,
            request.getProjectId(),
            request.getUserId(),
            request.getRole(),
            RequestOrigins.current()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void removeMember(
      RemoveMemberRequest request, StreamObserver<RemoveMemberResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.removeMember(
            userId, request.getProjectId(), request.getUserId(), RequestOrigins.current()),
        response,
        done -> RemoveMemberResponse.getDefaultInstance());
  }

  @Override
  public void transferOwnership(
      TransferOwnershipRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.transferOwnership(
            userId, request.getProjectId(), request.getUserId(), RequestOrigins.current()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void createInvitation(
      CreateInvitationRequest request, StreamObserver<CreateInvitationResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        invitations.create(
            userId,
            request.getProjectId(),
            request.getEmail(),
            request.getRole(),
            RequestOrigins.current()),
        response,
        created ->
            CreateInvitationResponse.newBuilder()
                .setInvitationId(created.invitationId())
                .setToken(created.token())
                .setExpiresAt(created.expiresAt().toString())
                .setAcceptUrl(created.acceptUrl())
                .setMailed(created.mail().sent())
                .setMailError(created.mail().problem())
                .build());
  }

  @Override
  public void listInvitations(
      ListInvitationsRequest request, StreamObserver<ListInvitationsResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        invitations.pending(
            userId, request.getProjectId(), request.getPageSize(), request.getPageToken()),
        response,
        pending -> {
          ListInvitationsResponse.Builder list =
              ListInvitationsResponse.newBuilder().setNextPageToken(pending.nextPageToken());
          for (ProjectEntity.InvitationView invitation : pending.items()) {
            list.addInvitations(
                Invitation.newBuilder()
                    .setInvitationId(invitation.inviteId())
                    .setEmail(invitation.email())
                    .setRole(Projects.wireName(invitation.role()))
                    .setExpiresAt(invitation.expiresAt().toString())
                    .setInvitedAt(invitation.invitedAt().toString())
                    .setInvitedBy(invitation.invitedBy()));
          }
          return list.build();
        });
  }

  @Override
  public void revokeInvitation(
      RevokeInvitationRequest request, StreamObserver<RevokeInvitationResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        invitations.revoke(
            userId, request.getProjectId(), request.getInvitationId(), RequestOrigins.current()),
        response,
        done -> RevokeInvitationResponse.getDefaultInstance());
  }

  @Override
  public void acceptInvitation(AcceptInvitationRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        invitations.accept(userId, request.getToken(), RequestOrigins.current()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void listProjectActivity(
      ListProjectActivityRequest request, StreamObserver<ListProjectActivityResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        activity.page(
            userId, request.getProjectId(), request.getPageSize(), request.getPageToken()),
        response,
        page -> {
          ListProjectActivityResponse.Builder list =
              ListProjectActivityResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (ProjectActivity.Entry entry : page.entries()) {
            list.addEntries(entry(entry, page.people()));
          }
          return list.build();
        });
  }

  /**
   * Streams the project's activity: its latest {@code recent} entries, then, every {@code
   * watchInterval}, what happened since (the caller's access checked each time: a refusal ends the
   * stream). Looks again only once the client has taken what was sent.
   */
  @Override
  public void watchProjectActivity(
      WatchProjectActivityRequest request, StreamObserver<ActivityEntry> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    ActivityWatch watch =
        new ActivityWatch(
            userId,
            request.getProjectId(),
            (ServerCallStreamObserver<ActivityEntry>) response,
            ServiceRequestContext.current().eventLoop());
    watch.call.setOnCancelHandler(watch::stop);
    watch.send(activity.latest(userId, request.getProjectId(), request.getRecent()));
  }

  /** One {@code WatchProjectActivity} stream, run on its request's event loop. */
  private final class ActivityWatch {
    private final String userId;
    private final String projectId;
    private final ServerCallStreamObserver<ActivityEntry> call;
    private final EventExecutor loop;
    private volatile ScheduledFuture<?> next;

    ActivityWatch(
        String userId,
        String projectId,
        ServerCallStreamObserver<ActivityEntry> call,
        EventExecutor loop) {
      this.userId = userId;
      this.projectId = projectId;
      this.call = call;
      this.loop = loop;
    }

    /** Sends a stretch of the feed once read, or the refusal that ends the stream. */
    void send(CompletionStage<ProjectActivity.Since> stretch) {
      stretch.whenCompleteAsync(
          (since, failure) -> {
            if (call.isCancelled()) return;
            if (failure != null) {
              call.onError(ApiErrors.from(failure));
              return;
            }
            for (ProjectActivity.Entry entry : since.entries()) {
              call.onNext(entry(entry, since.people()));
            }
            later(since.reached());
          },
          loop);
    }

    private void later(long reached) {
      next =
          loop.schedule(
              () -> {
                if (call.isCancelled()) return;
                // A client that has not taken what was sent gets nothing more read for it yet.
                if (call.isReady()) send(activity.since(userId, projectId, reached));
                else later(reached);
              },
              watchInterval.toMillis(),
              TimeUnit.MILLISECONDS);
    }

    void stop() {
      ScheduledFuture<?> scheduled = next;
      if (scheduled != null) scheduled.cancel(false);
    }
  }

  private static ActivityEntry entry(
      ProjectActivity.Entry entry, Map<String, People.Person> people) {
    ActivityEntry.Builder shown =
        ActivityEntry.newBuilder()
            .setAt(entry.at().toString())
            .setActorUserId(entry.actorUserId())
            .setActorDisplayName(People.of(people, entry.actorUserId()).displayName())
            .setKind(entry.kind().wireName())
            .setRole(role(entry.role()))
            .setPreviousRole(role(entry.previousRole()))
            .setName(text(entry.name()))
            .setEmail(text(entry.email()))
            .setCanvasId(text(entry.canvasId()))
            .setCanvasTitle(text(entry.canvasTitle()))
            .setInvitationId(text(entry.invitationId()));
    ProjectAuditLog.Dataset dataset = entry.dataset();
    if (dataset != null) {
      shown
          .setDatasetId(text(dataset.datasetId()))
          .setDatasetName(text(dataset.name()))
          .setPreviousDatasetName(text(dataset.previousName()))
          .setDatasetVersion(dataset.version() == null ? 0 : dataset.version());
    }
    if (entry.subjectUserId() != null) {
      shown
          .setSubjectUserId(entry.subjectUserId())
          .setSubjectDisplayName(People.of(people, entry.subjectUserId()).displayName());
    }
    return shown.build();
  }

  @Override
  public void listProjectAuditEvents(
      ListProjectAuditEventsRequest request,
      StreamObserver<ListProjectAuditEventsResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        auditLog.page(
            userId, request.getProjectId(), request.getPageSize(), request.getPageToken()),
        response,
        page -> {
          ListProjectAuditEventsResponse.Builder list =
              ListProjectAuditEventsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (ProjectAuditLog.Entry entry : page.entries()) {
            list.addEvents(auditEvent(entry, page));
          }
          return list.build();
        });
  }

  private static ProjectAuditEvent auditEvent(
      ProjectAuditLog.Entry entry, ProjectAuditLog.Page page) {
    ProjectAuditEvent.Builder shown =
        ProjectAuditEvent.newBuilder()
            .setSequence(entry.sequenceNr())
            .setAt(time(entry.at()))
            .setKind(entry.kind().wireName())
            .setActorUserId(entry.actorUserId())
            .setActorDisplayName(People.of(page.people(), entry.actorUserId()).displayName())
            .setRole(role(entry.role()))
            .setPreviousRole(role(entry.previousRole()))
            .setName(text(entry.name()))
            .setOrgId(text(entry.orgId()))
            .setInvitationId(text(entry.invitationId()))
            .setEmail(text(entry.email()))
            .setExpiresAt(time(entry.expiresAt()))
            .setCanvasId(text(entry.canvasId()))
            .setCanvasTitle(text(entry.canvasTitle()))
            .setClientAddress(text(entry.clientAddress()))
            .setUserAgent(text(entry.userAgent()));
    ProjectAuditLog.Dataset dataset = entry.dataset();
    if (dataset != null) {
      shown
          .setDatasetId(text(dataset.datasetId()))
          .setDatasetName(text(dataset.name()))
          .setPreviousDatasetName(text(dataset.previousName()))
          .setDatasetVersion(dataset.version() == null ? 0 : dataset.version());
    }
    if (entry.subjectUserId() != null) {
      shown
          .setSubjectUserId(entry.subjectUserId())
          .setSubjectDisplayName(People.of(page.people(), entry.subjectUserId()).displayName());
    }
    return shown.build();
  }

  private static String role(ProjectRole role) {
    return role == null ? "" : Projects.wireName(role);
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private static String time(Instant at) {
    return at == null ? "" : at.toString();
  }

  /** The project as the caller sees it. */
  static Project project(Projects.MemberView seen) {
    ProjectEntity.ProjectView view = seen.project();
    Project.Builder project =
        Project.newBuilder()
            .setProjectId(view.projectId())
            .setName(view.name())
            .setRole(role(seen.role()))
            .setCreatedAt(time(view.createdAt()))
            .setArchived(view.archived())
            .setOrgId(text(view.orgId()))
            .setEtag(text(view.etag()));
    for (ProjectEntity.Member member : view.members()) {
      People.Person person = People.of(seen.people(), member.userId());
      project
          .addMembersBuilder()
          .setUserId(member.userId())
          .setRole(Projects.wireName(member.role()))
          .setSince(time(member.since()))
          .setEmail(person.email())
          .setDisplayName(person.displayName());
    }
    for (ProjectEntity.CanvasEntry canvas : view.canvases()) {
      project
          .addCanvasesBuilder()
          .setCanvasId(canvas.canvasId())
          .setTitle(canvas.title())
          .setAddedBy(canvas.addedBy())
          .setAddedAt(time(canvas.addedAt()));
    }
    return project.build();
  }
}
