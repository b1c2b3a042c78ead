package dev.easel.gateway;

import dev.easel.api.v1.AddMemberRequest;
import dev.easel.api.v1.CreateProjectCanvasRequest;
import dev.easel.api.v1.CreateProjectRequest;
import dev.easel.api.v1.GetProjectRequest;
import dev.easel.api.v1.ListProjectsRequest;
import dev.easel.api.v1.ListProjectsResponse;
import dev.easel.api.v1.Project;
import dev.easel.api.v1.ProjectCanvas;
import dev.easel.api.v1.ProjectServiceGrpc;
import dev.easel.project.ProjectEntity;
import dev.easel.project.Projects;
import io.grpc.stub.StreamObserver;

/**
 * {@code easel.v1.ProjectService}: projects of the signed-in caller, through {@link Projects},
 * which decides what the caller may do.
 */
final class ProjectServiceImpl extends ProjectServiceGrpc.ProjectServiceImplBase {
  private final Projects projects;
  private final Callers callers;

  ProjectServiceImpl(Projects projects, Callers callers) {
    this.projects = projects;
    this.callers = callers;
  }

  @Override
  public void createProject(CreateProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.create(userId, request.getName()), response, ProjectServiceImpl::project);
  }

  @Override
  public void listProjects(
      ListProjectsRequest request, StreamObserver<ListProjectsResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.listFor(userId),
        response,
        list -> {
          ListProjectsResponse.Builder reply = ListProjectsResponse.newBuilder();
          for (Projects.MemberView seen : list) reply.addProjects(project(seen));
          return reply.build();
        });
  }

  @Override
  public void getProject(GetProjectRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.get(userId, request.getProjectId()), response, ProjectServiceImpl::project);
  }

  @Override
  public void addMember(AddMemberRequest request, StreamObserver<Project> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.addMember(userId, request.getProjectId(), request.getEmail(), request.getRole()),
        response,
        ProjectServiceImpl::project);
  }

  @Override
  public void createProjectCanvas(
      CreateProjectCanvasRequest request, StreamObserver<ProjectCanvas> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        projects.createCanvas(userId, request.getProjectId(), request.getTitle()),
        response,
        canvas ->
            ProjectCanvas.newBuilder()
                .setCanvasId(canvas.canvasId())
                .setProjectId(canvas.projectId())
                .setTitle(canvas.title())
                .setVersion(canvas.version())
                .build());
  }

  private static Project project(Projects.MemberView seen) {
    ProjectEntity.ProjectView view = seen.project();
    Project.Builder project =
        Project.newBuilder()
            .setProjectId(view.projectId())
            .setName(view.name())
            .setRole(Projects.wireName(seen.role()))
            .setCreatedAt(view.createdAt().toString())
            .setArchived(view.archived());
    for (ProjectEntity.Member member : view.members()) {
      project
          .addMembersBuilder()
          .setUserId(member.userId())
          .setRole(Projects.wireName(member.role()))
          .setSince(member.since().toString());
    }
    for (ProjectEntity.CanvasEntry canvas : view.canvases()) {
      project
          .addCanvasesBuilder()
          .setCanvasId(canvas.canvasId())
          .setTitle(canvas.title())
          .setAddedBy(canvas.addedBy())
          .setAddedAt(canvas.addedAt().toString());
    }
    return project.build();
  }
}
