package dev.easel.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import dev.easel.api.v1.ApiKeysProto;
import dev.easel.api.v1.AuthProto;
import dev.easel.api.v1.CanvasProto;
import dev.easel.api.v1.DatasetsProto;
import dev.easel.api.v1.ProjectsProto;
import dev.easel.api.v1.QueriesProto;
import graphql.schema.GraphQLArgument;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNamedType;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.GraphQLTypeUtil;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The GraphQL schema says what the proto says: each object type is the proto message of its name
 * with every field under its proto3 JSON name and a matching type; each field that calls the API
 * has arguments that are fields of its RPC's request (and each field of the request as an argument,
 * paging included) and returns what its RPC answers; every root field calls the API, and every RPC
 * is called by a field. So "the same fields in every face" is checked, not hoped for.
 */
class GraphqlSchemaTest {
  static final GraphQLSchema SCHEMA = GraphqlApi.schema();
  static final Set<String> ROOTS = Set.of("Query", "Mutation", "Subscription");

  static Map<String, Descriptors.Descriptor> messages() {
    Map<String, Descriptors.Descriptor> messages = new TreeMap<>();
    for (Descriptors.FileDescriptor file :
        List.of(
            CanvasProto.getDescriptor(),
            AuthProto.getDescriptor(),
            ProjectsProto.getDescriptor(),
            ApiKeysProto.getDescriptor(),
            QueriesProto.getDescriptor(),
            DatasetsProto.getDescriptor())) {
      for (Descriptors.Descriptor message : file.getMessageTypes()) {
        messages.put(message.getName(), message);
      }
    }
    return messages;
  }

  /** A type as {@code [Name]} / {@code Name}, without non-null marks; ID is a String. */
  static String shape(GraphQLType type) {
    GraphQLType bare = GraphQLTypeUtil.unwrapNonNull(type);
    if (bare instanceof GraphQLList list) return "[" + shape(list.getWrappedType()) + "]";
    String name = ((GraphQLNamedType) bare).getName();
    return name.equals("ID") ? "String" : name;
  }

  /** The GraphQL shape a proto field takes. */
  static String shape(Descriptors.FieldDescriptor field) {
    String element =
        switch (field.getJavaType()) {
          case STRING -> "String";
          case BOOLEAN -> "Boolean";
          case INT -> "Int";
          case LONG -> "Int64";
          case MESSAGE ->
              switch (field.getMessageType().getFullName()) {
                case "google.protobuf.Struct",
                    "google.protobuf.ListValue",
                    "google.protobuf.Value" ->
                    "JSON";
                // proto3 JSON writes a field mask as one comma-separated string of paths
                case "google.protobuf.FieldMask" -> "String";
                default -> field.getMessageType().getName();
              };
          default -> "unmapped " + field.getJavaType();
        };
    return field.isRepeated() ? "[" + element + "]" : element;
  }

  static Descriptors.Descriptor requestOf(GraphqlApi.Call call) {
    return ((Message)
            ((MethodDescriptor.PrototypeMarshaller<?>) call.method().getRequestMarshaller())
                .getMessagePrototype())
        .getDescriptorForType();
  }

  static Descriptors.Descriptor responseOf(GraphqlApi.Call call) {
    return ((Message)
            ((MethodDescriptor.PrototypeMarshaller<?>) call.method().getResponseMarshaller())
                .getMessagePrototype())
        .getDescriptorForType();
  }

  @Test
  void everyObjectTypeIsTheProtoMessageOfItsName() {
    Map<String, Descriptors.Descriptor> messages = messages();
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (GraphQLNamedType type : SCHEMA.getAllTypesAsList()) {
      if (!(type instanceof GraphQLObjectType object)
          || ROOTS.contains(type.getName())
          || type.getName().startsWith("__")) {
        continue;
      }
      Descriptors.Descriptor message = messages.get(type.getName());
      if (message == null) {
        problems.add(type.getName() + " is no message of proto/easel/v1");
        continue;
      }
      checked++;
      for (Descriptors.FieldDescriptor field : message.getFields()) {
        GraphQLFieldDefinition mirror = object.getFieldDefinition(field.getJsonName());
        if (mirror == null) {
          problems.add(type.getName() + " lacks " + field.getJsonName());
        } else if (!shape(mirror.getType()).equals(shape(field))) {
          problems.add(
              type.getName()
                  + "."
                  + field.getJsonName()
                  + " is "
                  + shape(mirror.getType())
                  + ", the proto says "
                  + shape(field));
        }
      }
      for (GraphQLFieldDefinition field : object.getFieldDefinitions()) {
        if (message.findFieldByName(snake(field.getName())) == null
            && !GraphqlApi.FIELDS.containsKey(type.getName() + "." + field.getName())) {
          problems.add(
              type.getName() + "." + field.getName() + " is neither a proto field nor an RPC");
        }
      }
    }
    assertThat(problems).isEmpty();
    assertThat(checked).isGreaterThanOrEqualTo(20);
  }

  @Test
  void everyRootFieldCallsTheApiAndEveryCallIsAField() {
    List<String> fields = new ArrayList<>();
    for (String root : ROOTS) {
      GraphQLObjectType type = (GraphQLObjectType) SCHEMA.getType(root);
      for (GraphQLFieldDefinition field : type.getFieldDefinitions()) {
        fields.add(root + "." + field.getName());
      }
    }
    assertThat(GraphqlApi.FIELDS.keySet()).containsAll(fields);
    for (String coordinates : GraphqlApi.FIELDS.keySet()) {
      String[] parts = coordinates.split("\\.");
      GraphQLObjectType type = (GraphQLObjectType) SCHEMA.getType(parts[0]);
      assertThat(type).as(coordinates).isNotNull();
      assertThat(type.getFieldDefinition(parts[1])).as(coordinates).isNotNull();
    }
  }

  @Test
  void argumentsAreRequestFieldsAndAnswersAreResponses() {
    List<String> problems = new ArrayList<>();
    GraphqlApi.FIELDS.forEach(
        (coordinates, call) -> {
          String[] parts = coordinates.split("\\.");
          GraphQLFieldDefinition field =
              ((GraphQLObjectType) SCHEMA.getType(parts[0])).getFieldDefinition(parts[1]);
          Descriptors.Descriptor request = requestOf(call);
          for (GraphQLArgument argument : field.getArguments()) {
            Descriptors.FieldDescriptor target = jsonField(request, argument.getName());
            if (target == null) {
              problems.add(coordinates + "(" + argument.getName() + ") is not in " + request);
            } else if (!shape(argument.getType()).equals(shape(target))) {
              problems.add(
                  coordinates
                      + "("
                      + argument.getName()
                      + ") is "
                      + shape(argument.getType())
                      + ", the request says "
                      + shape(target));
            }
          }
          if (call.parentField() != null && jsonField(request, call.parentField()) == null) {
            problems.add(coordinates + " passes " + call.parentField() + ", not in " + request);
          }
          Descriptors.Descriptor response = responseOf(call);
          String expected =
              switch (call.answer()) {
                case MESSAGE, LOADED, STREAM -> response.getName();
                case DONE -> "Boolean";
              };
          if (call.answer() == GraphqlApi.Answer.DONE && response.getFields().size() > 0) {
            problems.add(coordinates + " drops the fields of " + response.getName());
          }
          if (!shape(field.getType()).equals(expected)) {
            problems.add(coordinates + " returns " + shape(field.getType()) + ", not " + expected);
          }
        });
    assertThat(problems).isEmpty();
  }

  @Test
  void everyRequestFieldIsAnArgument() {
    Set<String> missing = new java.util.TreeSet<>();
    GraphqlApi.FIELDS.forEach(
        (coordinates, call) -> {
          String[] parts = coordinates.split("\\.");
          GraphQLFieldDefinition field =
              ((GraphQLObjectType) SCHEMA.getType(parts[0])).getFieldDefinition(parts[1]);
          for (Descriptors.FieldDescriptor requestField : requestOf(call).getFields()) {
            String name = requestField.getJsonName();
            if (field.getArgument(name) == null && !name.equals(call.parentField())) {
              missing.add(coordinates + "(" + name + ")");
            }
          }
        });
    assertThat(missing).isEmpty();
  }

  @Test
  void everyRpcOfTheApiIsReachable() {
    Set<String> called = new java.util.TreeSet<>();
    GraphqlApi.FIELDS.values().forEach(call -> called.add(call.method().getFullMethodName()));
    List<String> missing = new ArrayList<>(ApiPolicyTest.everyRpc());
    missing.removeAll(called);
    // A file is uploaded or downloaded as bytes, not as JSON: REST and gRPC only.
    assertThat(missing)
        .containsExactlyInAnyOrder(
            "easel.v1.DatasetService/UploadDataset", "easel.v1.QueryService/ExportQueryResult");
  }

  private static Descriptors.FieldDescriptor jsonField(
      Descriptors.Descriptor message, String jsonName) {
    for (Descriptors.FieldDescriptor field : message.getFields()) {
      if (field.getJsonName().equals(jsonName)) return field;
    }
    return null;
  }

  private static String snake(String camel) {
    return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
  }
}
