INSERT INTO requests (request_id, subject_id, scope, reason, state, received_at, deadline)
VALUES ($request_id, $subject_id, $scope, $reason, $state, $received_at, $deadline)
