package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import dev.easel.api.v1.AuthProto;
import dev.easel.api.v1.ListProjectActivityRequest;
import dev.easel.api.v1.ListProjectsRequest;
import dev.easel.api.v1.ProjectsProto;
import dev.easel.api.v1.UpdateMeRequest;
import dev.easel.api.v1.UpdateProjectRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** REST routes are found from the HTTP rules, and query parameters must name a request field. */
class RestQueriesTest {
  static final RestQueries QUERIES =
      RestQueries.of(
          List.of(
              ProjectsProto.getDescriptor().findServiceByName("ProjectService"),
              AuthProto.getDescriptor().findServiceByName("UserService")));

  @Test
  void findsTheRequestOfEachRoute() {
    assertThat(QUERIES.requestOf(HttpMethod.GET, "/v1/projects"))
        .isEqualTo(ListProjectsRequest.getDescriptor());
    assertThat(QUERIES.requestOf(HttpMethod.PATCH, "/v1/projects/p_1"))
        .isEqualTo(UpdateProjectRequest.getDescriptor());
    assertThat(QUERIES.requestOf(HttpMethod.GET, "/v1/projects/p_1/activity"))
        .isEqualTo(ListProjectActivityRequest.getDescriptor());
    assertThat(QUERIES.requestOf(HttpMethod.PATCH, "/v1/users/me"))
        .isEqualTo(UpdateMeRequest.getDescriptor());
    // a verb is not part of the id before it
    assertThat(QUERIES.requestOf(HttpMethod.PATCH, "/v1/projects/p_1:rename")).isNull();
    assertThat(QUERIES.requestOf(HttpMethod.GET, "/v1/nothing")).isNull();
  }

  @Test
  void aQueryParameterMustNameAField() {
    assertThat(RestQueries.names(ListProjectActivityRequest.getDescriptor(), "pageSize")).isTrue();
    assertThat(RestQueries.names(ListProjectActivityRequest.getDescriptor(), "page_token"))
        .isTrue();
    assertThat(RestQueries.names(ListProjectActivityRequest.getDescriptor(), "pagesize")).isFalse();
    assertThat(RestQueries.names(UpdateMeRequest.getDescriptor(), "updateMask")).isTrue();
    assertThat(RestQueries.names(UpdateMeRequest.getDescriptor(), "updateMask.paths")).isTrue();
    assertThat(RestQueries.names(UpdateMeRequest.getDescriptor(), "displayName.x")).isFalse();
  }
}
