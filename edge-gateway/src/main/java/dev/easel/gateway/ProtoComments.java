package dev.easel.gateway;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The comments of the {@code .proto} files, by the full name of what they describe (service {@code
 * easel.v1.CanvasService}, method {@code easel.v1.CanvasService.GetCanvas}, message {@code
 * easel.v1.Canvas}, field {@code easel.v1.Canvas.version}, enum value {@code easel.v1.Kind.CELL}),
 * read from the descriptor set that the proto module builds with its source information (the
 * generated Java classes carry none).
 */
final class ProtoComments {
  /** Where the proto module puts the descriptor set; Armeria's DocService reads it there too. */
  static final String DESCRIPTOR_SET = "META-INF/armeria/grpc/easel.dsc";

  private final Map<String, String> comments;

  private ProtoComments(Map<String, String> comments) {
    this.comments = comments;
  }

  /** The comments of the descriptor set on the class path. */
  static ProtoComments load() {
    try (InputStream in =
        ProtoComments.class.getClassLoader().getResourceAsStream(DESCRIPTOR_SET)) {
      if (in == null) {
        throw new IllegalStateException(
            DESCRIPTOR_SET + " is missing from the class path: build the proto module");
      }
      return of(FileDescriptorSet.parseFrom(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + DESCRIPTOR_SET, e);
    }
  }

  static ProtoComments of(FileDescriptorSet set) {
    Map<String, String> comments = new HashMap<>();
    for (FileDescriptorProto file : set.getFileList()) {
      Map<List<Integer>, String> names = names(file);
      for (SourceCodeInfo.Location location : file.getSourceCodeInfo().getLocationList()) {
        String name = names.get(location.getPathList());
        String text = clean(location.getLeadingComments());
        if (name != null && !text.isEmpty()) comments.putIfAbsent(name, text);
      }
    }
    return new ProtoComments(Map.copyOf(comments));
  }

  /** The comment on {@code fullName}, or "" when it has none. */
  String of(String fullName) {
    return comments.getOrDefault(fullName, "");
  }

  /** The first sentence of the comment on {@code fullName} on one line, for summaries. */
  String summary(String fullName) {
    String paragraph = of(fullName).split("\n\\s*\n", 2)[0].replaceAll("\\s*\n\\s*", " ");
    int end = paragraph.indexOf(". ");
    return end < 0 ? paragraph : paragraph.substring(0, end + 1);
  }

  /** Full names by the source location path that declares them. */
  private static Map<List<Integer>, String> names(FileDescriptorProto file) {
    Map<List<Integer>, String> names = new HashMap<>();
    String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
    for (int i = 0; i < file.getMessageTypeCount(); i++) {
      message(
          names,
          List.of(FileDescriptorProto.MESSAGE_TYPE_FIELD_NUMBER, i),
          prefix,
          file.getMessageType(i));
    }
    for (int i = 0; i < file.getEnumTypeCount(); i++) {
      enumType(
          names,
          List.of(FileDescriptorProto.ENUM_TYPE_FIELD_NUMBER, i),
          prefix,
          file.getEnumType(i));
    }
    for (int i = 0; i < file.getServiceCount(); i++) {
      String service = prefix + file.getService(i).getName();
      names.put(List.of(FileDescriptorProto.SERVICE_FIELD_NUMBER, i), service);
      for (int m = 0; m < file.getService(i).getMethodCount(); m++) {
        names.put(
            List.of(FileDescriptorProto.SERVICE_FIELD_NUMBER, i, 2, m),
            service + "." + file.getService(i).getMethod(m).getName());
      }
    }
    return names;
  }

  private static void message(
      Map<List<Integer>, String> names, List<Integer> path, String prefix, DescriptorProto type) {
    String name = prefix + type.getName();
    names.put(path, name);
    for (int i = 0; i < type.getFieldCount(); i++) {
      names.put(
          append(path, DescriptorProto.FIELD_FIELD_NUMBER, i),
          name + "." + type.getField(i).getName());
    }
    for (int i = 0; i < type.getNestedTypeCount(); i++) {
      message(
          names,
          append(path, DescriptorProto.NESTED_TYPE_FIELD_NUMBER, i),
          name + ".",
          type.getNestedType(i));
    }
    for (int i = 0; i < type.getEnumTypeCount(); i++) {
      enumType(
          names,
          append(path, DescriptorProto.ENUM_TYPE_FIELD_NUMBER, i),
          name + ".",
          type.getEnumType(i));
    }
  }

  private static void enumType(
      Map<List<Integer>, String> names,
      List<Integer> path,
      String prefix,
      EnumDescriptorProto type) {
    String name = prefix + type.getName();
    names.put(path, name);
    for (int i = 0; i < type.getValueCount(); i++) {
      names.put(
          append(path, EnumDescriptorProto.VALUE_FIELD_NUMBER, i),
          name + "." + type.getValue(i).getName());
    }
  }

  private static List<Integer> append(List<Integer> path, int field, int index) {
    Integer[] longer = path.toArray(new Integer[path.size() + 2]);
    longer[path.size()] = field;
    longer[path.size() + 1] = index;
    return List.of(longer);
  }

  /** The comment's lines without the one space protoc leaves after {@code //}. */
  private static String clean(String comment) {
    return comment
        .lines()
        .map(line -> line.startsWith(" ") ? line.substring(1) : line)
        .collect(Collectors.joining("\n"))
        .strip();
  }
}
