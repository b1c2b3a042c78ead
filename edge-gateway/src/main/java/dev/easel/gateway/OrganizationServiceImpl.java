package dev.easel.gateway;

import dev.easel.api.v1.AddOrganizationMemberRequest;
import dev.easel.api.v1.CreateOrganizationRequest;
import dev.easel.api.v1.GetOrganizationRequest;
import dev.easel.api.v1.ListOrganizationProjectsRequest;
import dev.easel.api.v1.ListOrganizationProjectsResponse;
import dev.easel.api.v1.ListOrganizationsRequest;
import dev.easel.api.v1.ListOrganizationsResponse;
import dev.easel.api.v1.Organization;
import dev.easel.api.v1.OrganizationServiceGrpc;
import dev.easel.api.v1.RemoveOrganizationMemberRequest;
import dev.easel.api.v1.RemoveOrganizationMemberResponse;
import dev.easel.project.OrganizationEntity;
import dev.easel.project.Organizations;
import dev.easel.project.People;
import dev.easel.project.Projects;
import io.grpc.stub.StreamObserver;

/**
 * {@code easel.v1.OrganizationService}: organizations of the signed-in caller, through {@link
 * Organizations}, which decides what the caller may do.
 */
final class OrganizationServiceImpl extends OrganizationServiceGrpc.OrganizationServiceImplBase {
  private final Organizations organizations;
  private final Callers callers;

  OrganizationServiceImpl(Organizations organizations, Callers callers) {
    this.organizations = organizations;
    this.callers = callers;
  }

  @Override
  public void createOrganization(
      CreateOrganizationRequest request, StreamObserver<Organization> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        organizations.create(userId, request.getName()),
        response,
        OrganizationServiceImpl::organization);
  }

  @Override
  public void getOrganization(
      GetOrganizationRequest request, StreamObserver<Organization> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        organizations.get(userId, request.getOrgId()),
        response,
        OrganizationServiceImpl::organization);
  }

  @Override
  public void listOrganizations(
      ListOrganizationsRequest request, StreamObserver<ListOrganizationsResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        organizations.listFor(userId, request.getPageSize(), request.getPageToken()),
        response,
        page -> {
          ListOrganizationsResponse.Builder list =
              ListOrganizationsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (Organizations.Listed listed : page.items()) {
            OrganizationEntity.OrganizationView view = listed.organization();
            list.addOrganizationsBuilder()
                .setOrgId(view.orgId())
                .setName(view.name())
                .setCreatedAt(view.createdAt().toString())
                .setAdmin(listed.callerIsAdmin())
                .setSince(listed.since().toString())
                .setMemberCount(view.members().size());
          }
          return list.build();
        });
  }

  @Override
  public void listOrganizationProjects(
      ListOrganizationProjectsRequest request,
      StreamObserver<ListOrganizationProjectsResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        organizations.listProjects(
            userId, request.getOrgId(), request.getPageSize(), request.getPageToken()),
        response,
        page -> {
          ListOrganizationProjectsResponse.Builder list =
              ListOrganizationProjectsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (Projects.MemberView seen : page.items()) {
            list.addProjects(ProjectServiceImpl.project(seen));
          }
          return list.build();
        });
  }

  @Override
  public void addOrganizationMember(
      AddOrganizationMemberRequest request, StreamObserver<Organization> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        organizations.addMember(userId, request.getOrgId(), request.getEmail(), request.getAdmin()),
        response,
        OrganizationServiceImpl::organization);
  }

  @Override
  public void removeOrganizationMember(
      RemoveOrganizationMemberRequest request,
      StreamObserver<RemoveOrganizationMemberResponse> response) {
    String userId = callers.signedInUser(response);
    if (userId == null) return;
    Replies.reply(
        organizations.removeMember(userId, request.getOrgId(), request.getUserId()),
        response,
        done -> RemoveOrganizationMemberResponse.getDefaultInstance());
  }

  private static Organization organization(Organizations.MemberView seen) {
    OrganizationEntity.OrganizationView view = seen.organization();
    Organization.Builder organization =
        Organization.newBuilder()
            .setOrgId(view.orgId())
            .setName(view.name())
            .setCreatedAt(view.createdAt().toString())
            .setAdmin(seen.callerIsAdmin());
    for (OrganizationEntity.Member member : view.members()) {
      People.Person person = People.of(seen.people(), member.userId());
      organization
          .addMembersBuilder()
          .setUserId(member.userId())
          .setEmail(person.email())
          .setDisplayName(person.displayName())
          .setAdmin(member.admin())
          .setSince(member.since().toString());
    }
    return organization.build();
  }
}
