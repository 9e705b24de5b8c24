"""Training, acknowledgement and discipline in the REST API: /api/v1/trainings/ (GET: the courses;
POST: record a course), /api/v1/trainings/{id}/ (GET), /api/v1/trainings/{id}/assignments/ (GET;
POST: assign it), /api/v1/trainings/{id}/completions/ (GET: the signed acknowledgements; POST: the
caller signs their own), /api/v1/briefings/ (GET; POST) and /api/v1/disciplinary-actions/ (GET;
POST; records managers and officers only). Thin views over compliance.training, as the web pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from records.api.serializers import MAX_TEXT, LookupField, MarkingField, StrictBooleanField, StrictCharField
from records.api.views import _ID, ApiView, problems
from records.models import User

from . import training
from .api import StrictDateField
from .models import (BreachIncident, Briefing, CustomerComplaint, DisciplinaryAction, TrainingAssignment,
                     TrainingCompletion, TrainingCourse)

TAG = "training"
COURSE_PARAMETER = OpenApiParameter("course_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The course's id.")
ACTIVE = User.objects.filter(is_active=True)


class CourseSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    recorded_by = serializers.SlugRelatedField("username", read_only=True)

    class Meta:
        model = TrainingCourse
        fields = ["marking", "id", "title", "version", "summary", "effective_on", "recorded_by", "recorded_at"]
        read_only_fields = fields


class CourseWriteSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    version = StrictCharField(max_length=30)
    summary = StrictCharField(max_length=training.TEXT_MAX, help_text="The text of the procedures acknowledged.")
    effective_on = StrictDateField()


class AssignmentSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    person = serializers.SlugRelatedField("username", read_only=True)
    assigned_by = serializers.SlugRelatedField("username", read_only=True, allow_null=True)

    class Meta:
        model = TrainingAssignment
        fields = ["marking", "id", "course", "person", "due_on", "reason", "year", "status", "assigned_by", "assigned_at"]
        read_only_fields = fields


class AssignmentWriteSerializer(serializers.Serializer):
    person = LookupField("username", max_length=150, queryset=ACTIVE)
    due_on = StrictDateField()
    reason = serializers.ChoiceField(TrainingAssignment.Reason.choices, required=False, default="other")
    year = serializers.IntegerField(required=False, allow_null=True, min_value=1990, max_value=9999)


class CompletionSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    person = serializers.CharField(source="assignment.person.username", read_only=True)
    due_on = serializers.DateField(source="assignment.due_on", read_only=True)

    class Meta:
        model = TrainingCompletion
        fields = ["marking", "id", "assignment", "person", "due_on", "completed_at", "course_version",
                  "acknowledgement", "signature"]
        read_only_fields = fields


class CompletionWriteSerializer(serializers.Serializer):
    acknowledged = StrictBooleanField(help_text="true: \u201cI have read and will follow the CPNI procedures\u201d.")
    signature = StrictCharField(max_length=150, help_text="The caller's full name, typed as their signature.")


class BriefingSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    led_by = serializers.SlugRelatedField("username", read_only=True)
    attendees = serializers.SlugRelatedField("username", many=True, read_only=True)
    recorded_by = serializers.SlugRelatedField("username", read_only=True)

    class Meta:
        model = Briefing
        fields = ["marking", "id", "kind", "held_on", "led_by", "attendees", "topic", "recorded_by", "recorded_at"]
        read_only_fields = fields


class BriefingWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(Briefing.Kind.choices)
    held_on = StrictDateField()
    led_by = LookupField("username", max_length=150, queryset=ACTIVE)
    attendees = LookupField("username", max_length=150, queryset=User.objects.all(), many=True)
    topic = StrictCharField(max_length=MAX_TEXT)


class DisciplineSerializer(serializers.ModelSerializer):
    marking = MarkingField()
    person = serializers.SlugRelatedField("username", read_only=True)
    decided_by = serializers.SlugRelatedField("username", read_only=True)
    recorded_by = serializers.SlugRelatedField("username", read_only=True)

    class Meta:
        model = DisciplinaryAction
        fields = ["marking", "id", "person", "breached", "breach", "complaint", "finding", "action_taken", "decided_by",
                  "decided_on", "recorded_by", "recorded_at"]
        read_only_fields = fields


class DisciplineWriteSerializer(serializers.Serializer):
    person = LookupField("username", max_length=150, queryset=User.objects.all())
    breached = StrictCharField(max_length=MAX_TEXT)
    breach = serializers.PrimaryKeyRelatedField(queryset=BreachIncident.objects.all(), required=False, allow_null=True)
    complaint = serializers.PrimaryKeyRelatedField(queryset=CustomerComplaint.objects.all(), required=False,
                                                   allow_null=True)
    finding = StrictCharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    action_taken = StrictCharField(max_length=MAX_TEXT)
    decided_by = LookupField("username", max_length=150, queryset=ACTIVE)
    decided_on = StrictDateField()


def _course(request, course_id):
    if not _ID.fullmatch(str(course_id)):
        raise NotFound()
    try:
        return training.visible_courses(request.user).get(pk=int(course_id))
    except TrainingCourse.DoesNotExist:
        raise NotFound() from None


class TrainingList(ApiView):
    permission_key = "training-list"
    serializer_class = CourseSerializer

    @extend_schema(tags=[TAG], operation_id="trainings_list", summary="The training courses",
                   description="Records managers, officers, auditors and Network Operations read every course; "
                   "anyone else, the courses assigned to them.",
                   responses={200: CourseSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(training.visible_courses(request.user).order_by("-effective_on", "-id"))
        return self.get_paginated_response(CourseSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="trainings_create", summary="Record a training course (or a new version)",
                   description="Records managers.", request=CourseWriteSerializer,
                   responses={201: CourseSerializer, **problems(400, 415)})
    def post(self, request):
        course = training.course_create(actor=request.user, **self.body(CourseWriteSerializer))
        return Response(CourseSerializer(course).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"{request.path}{course.pk}/"})


class TrainingDetail(ApiView):
    permission_key = "training-detail"
    serializer_class = CourseSerializer

    @extend_schema(tags=[TAG], operation_id="trainings_retrieve", summary="One training course",
                   parameters=[COURSE_PARAMETER], responses={200: CourseSerializer, **problems(404)})
    def get(self, request, course_id):
        return Response(CourseSerializer(_course(request, course_id)).data)


class TrainingAssignments(ApiView):
    permission_key = "training-assignments"
    serializer_class = AssignmentSerializer

    @extend_schema(tags=[TAG], operation_id="trainings_assignments_list", summary="A course's assignments",
                   description="Every assignment for those who read the training records; the caller's own otherwise.",
                   parameters=[COURSE_PARAMETER], responses={200: AssignmentSerializer(many=True), **problems(400, 404)})
    def get(self, request, course_id):
        course = _course(request, course_id)
        page = self.paginate_queryset(training.visible_assignments(request.user).filter(course=course).order_by("pk"))
        return self.get_paginated_response(AssignmentSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="trainings_assignments_create", summary="Assign a course to a person",
                   description="Records managers.", parameters=[COURSE_PARAMETER], request=AssignmentWriteSerializer,
                   responses={201: AssignmentSerializer, **problems(400, 404, 415)})
    def post(self, request, course_id):
        course = _course(request, course_id)
        assignment = training.assignment_create(actor=request.user, course=course, **self.body(AssignmentWriteSerializer))
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class TrainingCompletions(ApiView):
    permission_key = "training-completions"
    serializer_class = CompletionSerializer

    @extend_schema(tags=[TAG], operation_id="trainings_completions_list",
                   summary="A course's completions and their signed acknowledgements",
                   description="Every one for those who read the training records; the caller's own otherwise.",
                   parameters=[COURSE_PARAMETER], responses={200: CompletionSerializer(many=True), **problems(400, 404)})
    def get(self, request, course_id):
        course = _course(request, course_id)
        mine = training.visible_assignments(request.user).filter(course=course)
        completions = TrainingCompletion.objects.filter(assignment__in=mine).select_related("assignment__person")
        page = self.paginate_queryset(completions.order_by("pk"))
        return self.get_paginated_response(CompletionSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="trainings_completions_create",
                   summary="Complete the course and sign its acknowledgement",
                   description="The caller's own open assignment of the course: they acknowledge that they have read "
                   "and will follow the CPNI procedures, signing with their full name (400 otherwise; 404 when the "
                   "course is not assigned to them; 409 when already completed).",
                   parameters=[COURSE_PARAMETER], request=CompletionWriteSerializer,
                   responses={201: CompletionSerializer, **problems(400, 404, 409, 415)})
    def post(self, request, course_id):
        course = _course(request, course_id)
        data = self.body(CompletionWriteSerializer)
        mine = TrainingAssignment.objects.filter(course=course, person=request.user).order_by("status", "pk").first()
        if mine is None:
            raise NotFound("This course is not assigned to you.")
        completion = training.training_complete(actor=request.user, assignment=mine, acknowledged=data["acknowledged"],
                                                signature=data["signature"])
        return Response(CompletionSerializer(completion).data, status=status.HTTP_201_CREATED)


class BriefingList(ApiView):
    permission_key = "briefing-list"
    serializer_class = BriefingSerializer

    @extend_schema(tags=[TAG], operation_id="briefings_list", summary="Supervisor briefings and staff meetings",
                   responses={200: BriefingSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(Briefing.objects.select_related("led_by", "recorded_by")
                                      .prefetch_related("attendees").order_by("-held_on", "-id"))
        return self.get_paginated_response(BriefingSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="briefings_create", summary="Record a briefing or staff meeting",
                   description="Records managers.", request=BriefingWriteSerializer,
                   responses={201: BriefingSerializer, **problems(400, 415)})
    def post(self, request):
        briefing = training.briefing_create(actor=request.user, **self.body(BriefingWriteSerializer))
        return Response(BriefingSerializer(briefing).data, status=status.HTTP_201_CREATED)


class DisciplineList(ApiView):
    permission_key = "discipline-list"
    serializer_class = DisciplineSerializer

    @extend_schema(tags=[TAG], operation_id="disciplinary_actions_list", summary="Disciplinary actions",
                   description="Records managers and officers only.",
                   responses={200: DisciplineSerializer(many=True), **problems(400, 404)})
    def get(self, request):
        page = self.paginate_queryset(DisciplinaryAction.objects.select_related("person", "decided_by", "recorded_by")
                                      .order_by("-decided_on", "-id"))
        return self.get_paginated_response(DisciplineSerializer(page, many=True).data)

    @extend_schema(tags=[TAG], operation_id="disciplinary_actions_create", summary="Record a disciplinary action",
                   description="Records managers. Link a breach incident or a customer complaint, or give the finding.",
                   request=DisciplineWriteSerializer, responses={201: DisciplineSerializer, **problems(400, 415)})
    def post(self, request):
        action = training.discipline_create(actor=request.user, **self.body(DisciplineWriteSerializer))
        return Response(DisciplineSerializer(action).data, status=status.HTTP_201_CREATED)
